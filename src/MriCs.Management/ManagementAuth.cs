using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MriCs.Management;

/// <summary>
/// Authorization of the management endpoint. Read-only routes are open (the endpoint binds to loopback
/// unless configured otherwise); mutating routes call <c>.RequireAuthorization(ManagementAuth.Mutating)</c>
/// (or <see cref="RequireManagementToken{TBuilder}"/>) and then need <c>Authorization: Bearer MriCs:Management:Token</c>:
/// no token configured on the node = 403 (mutating commands disabled), a missing or wrong token = 401.
/// </summary>
public static class ManagementAuth
{
    /// <summary>The authorization policy of mutating routes.</summary>
    public const string Mutating = "mrics-mutating";

    /// <summary>The authentication scheme that checks the bearer token.</summary>
    public const string Scheme = "mrics-token";

    public static TBuilder RequireManagementToken<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(Mutating);

    /// <summary>Constant-time comparison of a presented token with the configured one.</summary>
    public static bool TokenMatches(string? configured, string? presented) =>
        !string.IsNullOrEmpty(configured) && presented is not null &&
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(configured)), SHA256.HashData(Encoding.UTF8.GetBytes(presented)));

    internal const string NoTokenConfigured =
        "mutating commands are disabled on this node: no MriCs:Management:Token is configured (set MriCs__Management__Token)";
    internal const string TokenMissing = "this command changes the cluster: send Authorization: Bearer <token> (--token or MRICS_TOKEN)";
    internal const string TokenWrong = "the bearer token is wrong";
}

/// <summary>Checks <c>Authorization: Bearer</c> against the configured token; answers refusals as JSON.</summary>
internal sealed class ManagementTokenHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> schemeOptions, ILoggerFactory logger, UrlEncoder encoder, ManagementOptions management)
    : AuthenticationHandler<AuthenticationSchemeOptions>(schemeOptions, logger, encoder)
{
    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (string.IsNullOrEmpty(management.Token)) return Task.FromResult(AuthenticateResult.NoResult());
        var header = Request.Headers.Authorization.ToString();
        if (string.IsNullOrEmpty(header)) return Task.FromResult(AuthenticateResult.NoResult());
        const string bearer = "Bearer ";
        var presented = header.StartsWith(bearer, StringComparison.OrdinalIgnoreCase) ? header[bearer.Length..].Trim() : null;
        if (!ManagementAuth.TokenMatches(management.Token, presented)) return Task.FromResult(AuthenticateResult.Fail(ManagementAuth.TokenWrong));
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, "operator")], ManagementAuth.Scheme);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), ManagementAuth.Scheme)));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (string.IsNullOrEmpty(management.Token))
        {
            Refused(ManagementAuth.NoTokenConfigured);
            await ManagementErrors.WriteAsync(Context, StatusCodes.Status403Forbidden, ManagementAuth.NoTokenConfigured).ConfigureAwait(false);
            return;
        }
        var result = await HandleAuthenticateOnceSafeAsync().ConfigureAwait(false);
        var message = result.Failure is not null ? ManagementAuth.TokenWrong : ManagementAuth.TokenMissing;
        Refused(message);
        Response.Headers.WWWAuthenticate = "Bearer";
        await ManagementErrors.WriteAsync(Context, StatusCodes.Status401Unauthorized, message).ConfigureAwait(false);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Refused("forbidden");
        return ManagementErrors.WriteAsync(Context, StatusCodes.Status403Forbidden, "this token may not run this command");
    }

    private void Refused(string reason) => ManagementLog.Refused(Logger, Request.Method, ManagementErrors.RouteForLogs(Context), reason);
}
