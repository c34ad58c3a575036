using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace MriCs.Dicom.Network;

/// <summary>DICOM TLS (PS3.15 B.9, BCP 195): TLS 1.2 or 1.3 over the TCP stream.</summary>
public static class DicomTls
{
    public const SslProtocols Protocols = SslProtocols.Tls12 | SslProtocols.Tls13;

    public static async Task<SslStream> AuthenticateAsServerAsync(Stream inner, DicomTlsServerOptions options, TimeSpan timeout, CancellationToken ct)
    {
        var ssl = new SslStream(inner, leaveInnerStreamOpen: false);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        try
        {
            await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificate = options.Certificate,
                ClientCertificateRequired = options.RequireClientCertificate,
                EnabledSslProtocols = Protocols,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                RemoteCertificateValidationCallback = (_, cert, _, errors) =>
                    !options.RequireClientCertificate
                    || (cert is not null && Validate(cert, errors, options.TrustedClientRoots, checkName: false)),
            }, cts.Token).ConfigureAwait(false);
            return ssl;
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw new DicomNetworkException($"TLS handshake with the client failed: {ex.Message}", ex);
        }
    }

    public static async Task<SslStream> AuthenticateAsClientAsync(Stream inner, string host, DicomTlsClientOptions options, TimeSpan timeout, CancellationToken ct)
    {
        var ssl = new SslStream(inner, leaveInnerStreamOpen: false);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        try
        {
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = options.TargetHost ?? host,
                EnabledSslProtocols = Protocols,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                ClientCertificates = options.ClientCertificate is null ? null : [options.ClientCertificate],
                RemoteCertificateValidationCallback = (_, cert, _, errors) =>
                    cert is not null && Validate(cert, errors, options.TrustedServerRoots, checkName: true),
            }, cts.Token).ConfigureAwait(false);
            return ssl;
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw new DicomNetworkException($"TLS handshake with {host} failed: {ex.Message}", ex);
        }
    }

    /// <summary>System trust when no roots are configured; otherwise the chain must end in one of <paramref name="roots"/>.</summary>
    private static bool Validate(X509Certificate cert, SslPolicyErrors errors, X509Certificate2Collection roots, bool checkName)
    {
        if (roots.Count == 0) return errors == SslPolicyErrors.None;
        if (checkName && (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0) return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var c2 = new X509Certificate2(cert);
        return chain.Build(c2);
    }
}
