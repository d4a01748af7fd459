using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using GrocerySync.Tests.Shared;
using MimeKit;

namespace GrocerySync.Hub.Tests.Infrastructure;

/// <summary>
/// A real SMTP server that keeps what it receives: the one named by GS_TEST_SMTP_HOST/PORT/MAILDIR (.ci/services.sh
/// starts it), or else Debian's aiosmtpd started here on a free loopback port. Without either the test is skipped
/// (failed under GS_TEST_REQUIRE_SERVICES=1).
/// </summary>
internal sealed class SmtpSink : IAsyncDisposable
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static SmtpSink? _shared;
    private readonly Process? _process;

    private SmtpSink(string host, int port, string maildir, Process? process)
    {
        Host = host;
        Port = port;
        Maildir = maildir;
        _process = process;
    }

    public string Host { get; }

    public int Port { get; }

    public string Maildir { get; }

    /// <summary>The sink of the test run, started on first use.</summary>
    public static async Task<SmtpSink> SharedAsync()
    {
        await Gate.WaitAsync();
        try
        {
            return _shared ??= await StartAsync();
        }
        finally
        {
            Gate.Release();
        }
    }

    private static async Task<SmtpSink> StartAsync()
    {
        if (Environment.GetEnvironmentVariable("GS_TEST_SMTP_HOST") is { Length: > 0 } host)
        {
            var (port, maildir) = (int.Parse(ServiceGate.Require("GS_TEST_SMTP_PORT"), System.Globalization.CultureInfo.InvariantCulture), ServiceGate.Require("GS_TEST_SMTP_MAILDIR"));
            return new SmtpSink(host, port, maildir, null);
        }

        if (!File.Exists("/usr/bin/python3") || !await HasAiosmtpdAsync())
        {
            ServiceGate.Require("GS_TEST_SMTP_HOST");
        }

        var free = new TcpListener(IPAddress.Loopback, 0);
        free.Start();
        var freePort = ((IPEndPoint)free.LocalEndpoint).Port;
        free.Stop();
        var dir = Path.Combine(Path.GetTempPath(), $"gs-smtp-{Guid.NewGuid():N}");
        // -n: no setuid to nobody (as root it could not write the Maildir otherwise).
        var process = Process.Start(new ProcessStartInfo("/usr/bin/python3", ["-m", "aiosmtpd", "-n", "-l", $"127.0.0.1:{freePort}", "-c", "aiosmtpd.handlers.Mailbox", dir])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        for (var i = 0; i < 100; i++)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, freePort);
                return new SmtpSink("127.0.0.1", freePort, dir, process);
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }

        process.Kill();
        throw new InvalidOperationException("aiosmtpd did not start listening within 10 seconds.");
    }

    private static async Task<bool> HasAiosmtpdAsync()
    {
        using var check = Process.Start(new ProcessStartInfo("/usr/bin/python3", ["-c", "import aiosmtpd"]) { RedirectStandardError = true })!;
        await check.WaitForExitAsync();
        return check.ExitCode == 0;
    }

    /// <summary>The first message to <paramref name="recipient"/>, waiting up to <paramref name="timeout"/> for it.</summary>
    public async Task<MimeMessage> WaitForMessageToAsync(string recipient, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (true)
        {
            var inbox = Path.Combine(Maildir, "new");
            if (Directory.Exists(inbox))
            {
                foreach (var file in Directory.GetFiles(inbox))
                {
                    var message = await MimeMessage.LoadAsync(file);
                    if (message.To.Mailboxes.Any(m => string.Equals(m.Address, recipient, StringComparison.OrdinalIgnoreCase)))
                    {
                        return message;
                    }
                }
            }

            if (DateTime.UtcNow > until)
            {
                throw new TimeoutException($"No mail to {recipient} arrived in {Maildir} within {timeout}.");
            }

            await Task.Delay(100);
        }
    }

    public ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
        }

        _process?.Dispose();
        return ValueTask.CompletedTask;
    }
}
