using System.Text.Json;
using MriCs.Inference.Manifest;
using MriCs.Inference.Sessions;
using MriCs.Inference.Verification;

namespace MriCs.Cli.Commands;

public static class ModelsCommands
{
    public static IReadOnlyList<CliCommand> All { get; } =
    [
        new("models verify", "models verify [--models DIR] [--provider auto|cpu|cuda] [--json]", Verify, "json"),
        new("models list", "models list [--models DIR] [--json] | " + SlotCommands.ModelsListUsage, List, "json", "cluster"),
    ];

    private static int Verify(CliArgs args, CliContext ctx)
    {
        var dir = CliPaths.Models(args);
        ModelManifest manifest;
        try
        {
            manifest = ManifestLoader.Load(dir);
        }
        catch (ManifestException ex)
        {
            return Fail(args, ctx, ex.Message);
        }
        var factory = new OnnxSessionFactory(ExecutionProviderOptions.Parse(args.Option("provider")));
        var results = new ModelVerifier(factory).VerifyAll(dir, manifest);
        if (args.Flag("json"))
        {
            ctx.Out.WriteLine(JsonSerializer.Serialize(new
            {
                ok = results.All(r => r.Ok),
                models = results.Select(r => new { id = r.Id, sha256Ok = r.Sha256Ok, loaded = r.Loaded, maxAbsDiff = r.MaxAbsDiff, parityOk = r.ParityOk, provider = r.Provider, error = r.Error }),
            }, JsonOptions));
        }
        else
        {
            ctx.Out.WriteLine($"{"model",-22} {"sha256",-7} {"loaded",-7} {"maxAbsDiff",-11} {"provider",-8} problem");
            foreach (var r in results)
                ctx.Out.WriteLine($"{r.Id,-22} {(r.Sha256Ok ? "ok" : "BAD"),-7} {(r.Loaded ? "yes" : "no"),-7} {r.MaxAbsDiff?.ToString("G3") ?? "-",-11} {r.Provider ?? "-",-8} {r.Error ?? ""}");
            if (factory.FallbackReason is { } why) ctx.Error.WriteLine(why);
        }
        return results.All(r => r.Ok) ? 0 : 1;
    }

    private static int List(CliArgs args, CliContext ctx)
    {
        if (SlotCommands.AsksCluster(args)) return SlotCommands.ModelsList(args, ctx); // what the slots of a running cluster run
        var dir = CliPaths.Models(args);
        ModelManifest manifest;
        try
        {
            manifest = ManifestLoader.Load(dir);
        }
        catch (ManifestException ex)
        {
            return Fail(args, ctx, ex.Message);
        }
        if (args.Flag("json"))
        {
            ctx.Out.WriteLine(JsonSerializer.Serialize(manifest, ManifestJson.Options));
            return 0;
        }
        foreach (var m in manifest.Models)
            ctx.Out.WriteLine($"{m.Id,-22} {m.Role,-10} {m.Backbone ?? m.Architecture ?? "",-40} {m.File}");
        foreach (var s in manifest.ModelSets)
            ctx.Out.WriteLine($"set {s.Id,-18} detector={s.Detector} classifiers={string.Join(",", s.Classifiers)}");
        return 0;
    }

    private static int Fail(CliArgs args, CliContext ctx, string message)
    {
        if (args.Flag("json")) ctx.Out.WriteLine(JsonSerializer.Serialize(new { ok = false, error = message }, JsonOptions));
        else ctx.Error.WriteLine($"mrics models: {message}");
        return 2;
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = false };
}
