using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using GrocerySync.Agent.Configuration;
using Microsoft.AspNetCore.Hosting;

namespace GrocerySync.Agent.Tests;

/// <summary><c>gsagent enroll</c> as a real child process against the hub double, and what it leaves in the folder.</summary>
public sealed class EnrollTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Enroll_proves_the_key_with_a_heartbeat_then_stores_it_encrypted_and_never_prints_it()
    {
        await using var hub = await HubDouble.StartAsync();
        using var a = new AgentProcess();
        var dir = Path.Combine(a.Root, "agent");

        var (code, stdout, stderr) = await a.RunAsync("enroll", "--hub", hub.Url.ToString(), "--token", hub.NewToken(), "--config-dir", dir, "--output", "json");

        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        Assert.Equal("enrolled", doc.RootElement.GetProperty("status").GetString());
        Assert.Equal(hub.AgentId, doc.RootElement.GetProperty("agentId").GetGuid());
        Assert.Single(hub.Heartbeats);
        var key = hub.IssuedKey!;
        var secret = key[(key.LastIndexOf('_') + 1)..];
        Assert.DoesNotContain(secret, stdout + stderr, StringComparison.Ordinal);

        // The key is in the folder only in protected form: neither the key nor its secret part appears in any file.
        var files = Directory.GetFiles(dir, "*", SearchOption.AllDirectories);
        Assert.Contains(files, f => Path.GetFileName(f) == "agent.json");
        foreach (var file in files)
        {
            var bytes = await File.ReadAllBytesAsync(file, Ct);
            Assert.False(Contains(bytes, Encoding.UTF8.GetBytes(secret)), $"{file} holds the key in clear");
            Assert.False(Contains(bytes, Encoding.Unicode.GetBytes(secret)), $"{file} holds the key in clear (UTF-16)");
        }

        // ...and the agent reads it back with the folder's key ring.
        var (agent, stored) = await new AgentConfigStore(new AgentFolder(dir)).LoadAsync(Ct);
        Assert.Equal(key, stored.Value);
        Assert.Equal(hub.AgentId, agent.AgentId);
        Assert.Equal("***", stored.ToString());

        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(dir));
            foreach (var f in files)
            {
                Assert.True(File.GetUnixFileMode(f) == (UnixFileMode.UserRead | UnixFileMode.UserWrite), $"{f} is {File.GetUnixFileMode(f)}");
            }

            foreach (var d in Directory.GetDirectories(dir, "*", SearchOption.AllDirectories))
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(d));
            }
        }

        // status shows the enrollment and redacts the key.
        var status = await a.RunAsync("status", "--config-dir", dir, "--output", "json");
        Assert.Equal(0, status.ExitCode);
        Assert.DoesNotContain(secret, status.Stdout, StringComparison.Ordinal);
        using var s = JsonDocument.Parse(status.Stdout);
        Assert.Equal(hub.AgentId, s.RootElement.GetProperty("agentId").GetGuid());
        Assert.Equal("stored encrypted", s.RootElement.GetProperty("apiKey").GetString());
    }

    [Fact]
    public async Task Enroll_refuses_an_already_enrolled_folder_unless_forced()
    {
        await using var hub = await HubDouble.StartAsync();
        using var a = new AgentProcess();
        var dir = Path.Combine(a.Root, "agent");
        Assert.Equal(0, (await a.RunAsync("enroll", "--hub", hub.Url.ToString(), "--token", hub.NewToken(), "--config-dir", dir)).ExitCode);

        var again = await a.RunAsync("enroll", "--hub", hub.Url.ToString(), "--token", hub.NewToken(), "--config-dir", dir);
        Assert.Equal(78, again.ExitCode);
        Assert.Contains("already enrolled", again.Stderr, StringComparison.Ordinal);

        Assert.Equal(0, (await a.RunAsync("enroll", "--hub", hub.Url.ToString(), "--token", hub.NewToken(), "--config-dir", dir, "--force")).ExitCode);
    }

    [Theory]
    [InlineData("expired", 4, "token-expired", "has expired")]
    [InlineData("used", 4, "token-used", "already used")]
    [InlineData("unknown", 4, "token-unknown", "does not know this enrollment token")]
    public async Task Enroll_with_a_refused_token_exits_non_zero_with_the_hubs_reason_and_saves_nothing(string tokenState, int exitCode, string reason, string message)
    {
        await using var hub = await HubDouble.StartAsync();
        using var a = new AgentProcess();
        var dir = Path.Combine(a.Root, "agent");
        var token = tokenState == "unknown" ? "gset_nobody" : hub.NewToken(tokenState);

        var (code, stdout, stderr) = await a.RunAsync("enroll", "--hub", hub.Url.ToString(), "--token", token, "--config-dir", dir, "--output", "json");

        Assert.Equal(exitCode, code);
        Assert.Contains(message, stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(stdout);
        Assert.Equal(reason, doc.RootElement.GetProperty("reason").GetString());
        Assert.False(File.Exists(Path.Combine(dir, "agent.json")));
    }

    [Fact]
    public async Task Enroll_against_a_closed_port_says_the_connection_was_refused()
    {
        using var a = new AgentProcess();
        var port = FreePort();

        var (code, stdout, stderr) = await a.RunAsync("enroll", "--hub", $"http://127.0.0.1:{port}/", "--token", "t", "--config-dir", Path.Combine(a.Root, "agent"), "--output", "json");

        AssertUnavailable(code, stdout, stderr, "refused", "was refused");
    }

    [Fact]
    public async Task Enroll_against_an_unresolvable_host_says_the_name_could_not_be_resolved()
    {
        using var a = new AgentProcess();

        var (code, stdout, stderr) = await a.RunAsync("enroll", "--hub", "https://hub.gsagent-test.invalid/", "--token", "t", "--config-dir", Path.Combine(a.Root, "agent"), "--output", "json");

        AssertUnavailable(code, stdout, stderr, "dns", "could not be resolved (DNS)");
    }

    [Fact]
    public async Task Enroll_against_an_untrusted_certificate_says_tls_failed()
    {
        await using var hub = await HubDouble.StartAsync(tls: true);
        using var a = new AgentProcess();

        var (code, stdout, stderr) = await a.RunAsync("enroll", "--hub", hub.Url.ToString(), "--token", hub.NewToken(), "--config-dir", Path.Combine(a.Root, "agent"), "--output", "json");

        AssertUnavailable(code, stdout, stderr, "tls", "TLS connection");
        Assert.Contains("certificate", stderr, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("valid", hub.Tokens.Values.Single());
    }

    [Fact]
    public async Task Enroll_against_a_server_that_never_answers_times_out()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var accepted = new List<Socket>();
        var accepting = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    accepted.Add(await listener.AcceptSocketAsync(TestContext.Current.CancellationToken));
                }
            }
            catch (OperationCanceledException)
            {
            }
            catch (SocketException)
            {
            }
        }, TestContext.Current.CancellationToken);
        using var a = new AgentProcess();

        var (code, stdout, stderr) = await a.RunAsync("enroll", "--hub", $"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/", "--token", "t",
            "--config-dir", Path.Combine(a.Root, "agent"), "--timeout", "2", "--output", "json");

        listener.Stop();
        accepted.ForEach(s => s.Dispose());
        AssertUnavailable(code, stdout, stderr, "timeout", "did not answer in time");
    }

    [Fact]
    public async Task Enroll_against_a_web_server_that_is_not_a_hub_says_so()
    {
        await using var site = await NotAHubAsync();
        using var a = new AgentProcess();

        var (code, stdout, stderr) = await a.RunAsync("enroll", "--hub", site.Url, "--token", "t", "--config-dir", Path.Combine(a.Root, "agent"), "--output", "json");

        AssertUnavailable(code, stdout, stderr, "not-grocerysync", "not as a GrocerySync hub");
    }

    private static void AssertUnavailable(int code, string stdout, string stderr, string reason, string message)
    {
        Assert.Equal(69, code);
        Assert.Contains(message, stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(stdout);
        Assert.Equal(reason, doc.RootElement.GetProperty("reason").GetString());
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    private static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;

    private static async Task<NotAHub> NotAHubAsync()
    {
        var builder = Microsoft.AspNetCore.Builder.WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        Microsoft.AspNetCore.Builder.EndpointRouteBuilderExtensions.MapFallback(app, () => Microsoft.AspNetCore.Http.Results.Content("<html><body>Welcome to nginx!</body></html>", "text/html"));
        await app.StartAsync(Ct);
        return new NotAHub(app);
    }

    private sealed class NotAHub(Microsoft.AspNetCore.Builder.WebApplication app) : IAsyncDisposable
    {
        public string Url => app.Urls.First().Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal) + "/";

        public ValueTask DisposeAsync() => app.DisposeAsync();
    }
}
