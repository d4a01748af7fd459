using System.Diagnostics;
using System.Text.Json;
using GrocerySync.Agent.Commands;
using GrocerySync.Agent.Service;
using Microsoft.Extensions.Time.Testing;

namespace GrocerySync.Agent.Tests;

/// <summary>The systemd unit <c>install</c> writes (checked without systemd) and how <c>status</c> judges "online".</summary>
public sealed class InstallAndStatusTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Install_dry_run_writes_a_hardened_notify_unit_for_a_dedicated_user_and_changes_nothing_else()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "systemd units are Linux only");
        using var a = new AgentProcess();
        var units = Path.Combine(a.Root, "units");
        var home = Path.Combine(a.Root, "var lib", "gsagent");

        var (code, stdout, stderr) = await a.RunAsync("install", "--dry-run", "--unit-dir", units, "--config-dir", home, "--read-write-path", "/srv/feeds", "--output", "json");

        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        Assert.Equal("dry-run", doc.RootElement.GetProperty("status").GetString());
        var unit = await File.ReadAllTextAsync(Path.Combine(units, "gsagent.service"), Ct);
        Assert.Equal(unit, doc.RootElement.GetProperty("unit").GetString());
        var lines = unit.Split('\n');
        foreach (var expected in new[]
        {
            "Type=notify", "User=gsagent", "Group=gsagent", "NoNewPrivileges=yes", "ProtectSystem=strict", "PrivateTmp=yes",
            "ProtectHome=read-only", "CapabilityBoundingSet=", "UMask=0077", "Restart=on-failure", "RestartPreventExitStatus=77 78 5",
            $"ReadWritePaths=\"{home}\" /srv/feeds", "WantedBy=multi-user.target",
        })
        {
            Assert.Contains(expected, lines);
        }

        var exec = Assert.Single(lines, l => l.StartsWith("ExecStart=", StringComparison.Ordinal));
        Assert.EndsWith($"gsagent.dll run --config-dir \"{home}\"", exec, StringComparison.Ordinal);
        Assert.Contains(doc.RootElement.GetProperty("steps").EnumerateArray(), s => s.GetString() == "systemctl enable --now gsagent.service");
        Assert.False(Directory.Exists(home), "a dry run created the agent folder");

        if (File.Exists("/usr/bin/systemd-analyze"))
        {
            using var verify = Process.Start(new ProcessStartInfo("systemd-analyze", ["verify", Path.Combine(units, "gsagent.service")]) { RedirectStandardError = true, RedirectStandardOutput = true })!;
            var problems = await verify.StandardError.ReadToEndAsync(Ct);
            await verify.WaitForExitAsync(Ct);
            Assert.True(verify.ExitCode == 0, problems);
            Assert.DoesNotContain("gsagent.service:", problems, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_unit_stops_later_than_the_grace_period_and_quotes_paths()
    {
        var unit = SystemdUnit.Render(new SystemdUnitSpec(["/opt/gs agent/gsagent"], "/var/lib/gsagent", "gsagent", [], TimeSpan.FromSeconds(95)));

        Assert.Contains("ExecStart=\"/opt/gs agent/gsagent\" run --config-dir /var/lib/gsagent\n", unit, StringComparison.Ordinal);
        Assert.Contains("TimeoutStopSec=95\n", unit, StringComparison.Ordinal);
        Assert.Contains("ReadWritePaths=/var/lib/gsagent\n", unit, StringComparison.Ordinal);
    }

    [Fact]
    public void Online_while_the_last_heartbeat_is_within_the_interval_plus_60_s()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-20T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var status = new AgentStatusFile { ProcessId = 1, StartedAt = time.GetUtcNow(), UpdatedAt = time.GetUtcNow(), HeartbeatIntervalSeconds = 30, LastHeartbeatAt = time.GetUtcNow() };

        time.Advance(TimeSpan.FromSeconds(90));
        Assert.True(StatusCommand.IsOnline(status, 30, time.GetUtcNow()));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(StatusCommand.IsOnline(status, 30, time.GetUtcNow()));

        Assert.False(StatusCommand.IsOnline(status with { LastHeartbeatAt = time.GetUtcNow(), Stopped = true }, 30, time.GetUtcNow()));
        Assert.False(StatusCommand.IsOnline(status with { LastHeartbeatAt = null }, 30, time.GetUtcNow()));
    }

    [Fact]
    public async Task Status_of_a_running_agent_shows_online_its_runs_and_backlog_and_never_the_key()
    {
        await using var hub = await HubDouble.StartAsync();
        await TestPlugins.PublishAsync(hub);
        await using var agent = await TestAgent.EnrollAsync(hub);
        var spec = await TestPlugins.RunAsync(Path.Combine(agent.Root, "out"), gate: Path.Combine(agent.Root, "never"));
        agent.Start();
        hub.Dispatch(spec);
        await Eventually.TrueAsync(async () => (await StatusCommand.ReadAsync(agent.Folder, TimeProvider.System, Ct)).RunningRuns.Any(r => r.StartedAt is not null), "the run in status");

        using var a = new AgentProcess();
        var (code, stdout, _) = await a.RunAsync("status", "--config-dir", agent.Root, "--output", "json");
        var text = await a.RunAsync("status", "--config-dir", agent.Root);

        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(stdout);
        var root = doc.RootElement;
        Assert.Equal("online", root.GetProperty("status").GetString());
        Assert.Equal(hub.AgentId, root.GetProperty("agentId").GetGuid());
        Assert.Equal(hub.Url, new Uri(root.GetProperty("hub").GetString()!));
        Assert.Equal(spec.RunId, root.GetProperty("runningRuns")[0].GetProperty("runId").GetGuid());
        Assert.True(root.TryGetProperty("queuedOutboxItems", out _));
        var secret = hub.IssuedKey![(hub.IssuedKey!.LastIndexOf('_') + 1)..];
        Assert.DoesNotContain(secret, stdout + text.Stdout, StringComparison.Ordinal);
        Assert.Contains("online", text.Stdout, StringComparison.Ordinal);
        Assert.Contains(spec.JobName, text.Stdout, StringComparison.Ordinal);

        Assert.Equal(0, await agent.StopAsync());
        using var after = JsonDocument.Parse((await a.RunAsync("status", "--config-dir", agent.Root, "--output", "json")).Stdout);
        Assert.Equal("offline", after.RootElement.GetProperty("status").GetString());
        Assert.False(after.RootElement.GetProperty("running").GetBoolean());
    }
}
