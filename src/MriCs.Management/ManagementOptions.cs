namespace MriCs.Management;

/// <summary>
/// The node's management endpoint (section "MriCs:Management"): HTTP on <see cref="Bind"/>:<see cref="Port"/>
/// (no port = endpoint off; 0 = any free port), mutating routes need <c>Authorization: Bearer Token</c>.
/// The token comes from the environment (MriCs__Management__Token) or a secret, never a committed file.
/// </summary>
public sealed class ManagementOptions
{
    public const string Section = "MriCs:Management";

    /// <summary>Null: no endpoint. Kubernetes uses 8558.</summary>
    public int? Port { get; set; }

    /// <summary>The address Kestrel listens on; loopback unless configured otherwise.</summary>
    public string Bind { get; set; } = "127.0.0.1";

    /// <summary>Bearer token for mutating routes; none = mutating routes answer 403.</summary>
    public string? Token { get; set; }

    public IEnumerable<string> Validate()
    {
        if (Port is < 0 or > 65535) yield return $"{Section}:Port {Port} is not a port";
        if (!System.Net.IPAddress.TryParse(Bind, out _)) yield return $"{Section}:Bind '{Bind}' is not an IP address";
        if (Token is { Length: > 0 and < 16 }) yield return $"{Section}:Token is shorter than 16 characters";
    }
}
