using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MriCs.Dicom.Network.Tests;

public class TlsTests
{
    private static X509Certificate2 SelfSigned(string cn)
    {
        using var rsa = RSA.Create(2048);
        var req = new CertificateRequest($"CN={cn}", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(IPAddress.Loopback);
        req.CertificateExtensions.Add(san.Build());
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, false));
        req.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        using var cert = req.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pkcs12), null);
    }

    private static DicomServer TlsServer(X509Certificate2 cert, bool requireClient = false, X509Certificate2? clientRoot = null)
    {
        var options = TestEnv.FastOptions();
        options.Tls = new DicomTlsServerOptions
        {
            Certificate = cert,
            RequireClientCertificate = requireClient,
            TrustedClientRoots = clientRoot is null ? [] : [clientRoot],
        };
        return TestEnv.StartServer(options);
    }

    private static DicomClientOptions Client(X509Certificate2? serverRoot, X509Certificate2? clientCert = null) => new()
    {
        CalledAeTitle = "MRICS",
        Tls = new DicomTlsClientOptions { TargetHost = "localhost", TrustedServerRoots = serverRoot is null ? [] : [serverRoot], ClientCertificate = clientCert },
    };

    [Fact]
    public async Task Echo_over_tls_with_a_trusted_server_certificate()
    {
        using var cert = SelfSigned("mrics-scp");
        await using var server = TlsServer(cert);
        await using var a = await DicomClientAssociation.OpenAsync("127.0.0.1", server.LocalEndPoint.Port, Client(cert), TestEnv.EchoContexts);
        Assert.Equal(DimseStatus.Success, (await a.EchoAsync()).Status);
        await a.ReleaseAsync();
    }

    [Fact]
    public async Task Untrusted_server_certificate_fails_the_handshake()
    {
        using var cert = SelfSigned("mrics-scp");
        using var other = SelfSigned("someone-else");
        await using var server = TlsServer(cert);
        var ex = await Assert.ThrowsAsync<DicomNetworkException>(() => DicomClientAssociation.OpenAsync("127.0.0.1", server.LocalEndPoint.Port, Client(other), TestEnv.EchoContexts));
        Assert.Contains("TLS handshake", ex.Message);
        // A plain-TCP client talking to the TLS port fails cleanly too (no hang).
        await Assert.ThrowsAnyAsync<DicomNetworkException>(() => DicomClientAssociation.OpenAsync("127.0.0.1", server.LocalEndPoint.Port,
            new DicomClientOptions { CalledAeTitle = "MRICS", ArtimTimeout = TimeSpan.FromSeconds(5) }, TestEnv.EchoContexts));
    }

    [Fact]
    public async Task Required_client_certificate_is_enforced()
    {
        using var serverCert = SelfSigned("mrics-scp");
        using var clientCert = SelfSigned("modality");
        await using var server = TlsServer(serverCert, requireClient: true, clientRoot: clientCert);
        await using (var a = await DicomClientAssociation.OpenAsync("127.0.0.1", server.LocalEndPoint.Port, Client(serverCert, clientCert), TestEnv.EchoContexts))
        {
            Assert.Equal(DimseStatus.Success, (await a.EchoAsync()).Status);
            await a.ReleaseAsync();
        }
        await Assert.ThrowsAnyAsync<DicomNetworkException>(async () =>
        {
            await using var a = await DicomClientAssociation.OpenAsync("127.0.0.1", server.LocalEndPoint.Port, Client(serverCert), TestEnv.EchoContexts);
            await a.EchoAsync();
        });
    }

    [Fact]
    public async Task Dcmtk_echoscu_over_tls()
    {
        using var cert = SelfSigned("mrics-scp");
        var dir = TestEnv.TempDir();
        var certPem = Path.Combine(dir, "scp.pem");
        await File.WriteAllTextAsync(certPem, cert.ExportCertificatePem());
        await using var server = TlsServer(cert);
        var (exit, output) = await PeerProcess.RunAsync("echoscu",
            ["-v", "+tla", "+cf", certPem, "-aet", "DCMTK", "-aec", "MRICS", "127.0.0.1", server.LocalEndPoint.Port.ToString()], TimeSpan.FromSeconds(30));
        Assert.True(exit == 0, output);
        Assert.Contains("Received Echo Response (Success)", output);
    }
}
