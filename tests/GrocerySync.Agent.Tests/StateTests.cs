using GrocerySync.Agent.Configuration;
using GrocerySync.Agent.Outbox;
using GrocerySync.Contracts;
using GrocerySync.Contracts.Agents;
using Microsoft.Data.Sqlite;

namespace GrocerySync.Agent.Tests;

/// <summary>The outbox's disk cap and an older agent's state folder.</summary>
public sealed class StateTests
{
    private static readonly Guid RunA = Guid.NewGuid();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task At_the_disk_cap_the_oldest_information_lines_go_first_are_counted_and_events_and_run_warnings_stay()
    {
        var dir = Directory.CreateTempSubdirectory("gs-outbox-").FullName;
        await using var outbox = await AgentOutbox.OpenAsync(Path.Combine(dir, "outbox.db"), maxBytes: 8_000, Ct);
        var at = DateTimeOffset.UnixEpoch;
        await outbox.AppendEventAsync(new RunEvent(0, RunA, RunEventKind.Started, at, null, null, null), Ct);
        await outbox.AppendLogsAsync([Line(null, LogSeverity.Warning, "agent warning 0")], Ct);
        await outbox.AppendLogsAsync([.. Enumerable.Range(0, 20).Select(i => Line(null, LogSeverity.Information, $"info {i:D2}"))], Ct);
        await outbox.AppendLogsAsync([Line(RunA, LogSeverity.Warning, "run warning")], Ct);

        // Over the cap: the newest info lines and every event still get in, the oldest info lines make room.
        await outbox.AppendLogsAsync([.. Enumerable.Range(20, 20).Select(i => Line(null, LogSeverity.Information, $"info {i:D2}"))], Ct);
        for (var i = 0; i < 20; i++)
        {
            await outbox.AppendEventAsync(new RunEvent(0, RunA, RunEventKind.Finished, at, new RunCounts(i, i, i, 0, 0), RunStatus.Succeeded, new string('x', 50)), Ct);
        }

        var events = await outbox.PeekEventsAsync(100, Ct);
        var (stored, dropped) = await outbox.PeekLogsAsync(100, Ct);
        var lines = stored.Select(l => l with { Message = l.Message.TrimEnd('.') }).ToList();
        Assert.Equal(21, events.Count);
        Assert.Single(lines, l => l.Message == "run warning");
        var infos = lines.Where(l => l.Level == LogSeverity.Information).Select(l => l.Message).ToList();
        Assert.NotEmpty(infos);
        Assert.Equal([.. Enumerable.Range(40 - infos.Count, infos.Count).Select(i => $"info {i:D2}")], infos); // the newest kept, in order
        var droppedInfos = 40 - infos.Count;
        var droppedWarnings = lines.Any(l => l.Message == "agent warning 0") ? 0 : 1;
        Assert.Equal(droppedInfos + droppedWarnings, dropped);
        Assert.True(droppedInfos > 0);

        // The count travels with the next batch and is settled when the hub has that batch.
        await outbox.AcknowledgeLogsAsync(lines[^1].Sequence, dropped, Ct);
        Assert.Equal(0, (await outbox.CountAsync(Ct)).DroppedLines);
    }

    [Fact]
    public async Task Progress_waiting_in_the_outbox_is_replaced_by_the_newer_progress_of_the_same_run()
    {
        var dir = Directory.CreateTempSubdirectory("gs-outbox-").FullName;
        await using var outbox = await AgentOutbox.OpenAsync(Path.Combine(dir, "outbox.db"), maxBytes: 1 << 20, Ct);
        var other = Guid.NewGuid();
        await outbox.AppendEventAsync(new RunEvent(0, RunA, RunEventKind.Started, DateTimeOffset.UnixEpoch, null, null, null), Ct);
        for (var i = 1; i <= 5; i++)
        {
            await outbox.AppendEventAsync(new RunEvent(0, RunA, RunEventKind.Progress, DateTimeOffset.UnixEpoch, new RunCounts(i, 0, 0, 0, 0), null, null), Ct);
            await outbox.AppendEventAsync(new RunEvent(0, other, RunEventKind.Progress, DateTimeOffset.UnixEpoch, new RunCounts(i * 10, 0, 0, 0, 0), null, null), Ct);
        }

        var events = await outbox.PeekEventsAsync(100, Ct);

        Assert.Equal([RunEventKind.Started, RunEventKind.Progress, RunEventKind.Progress], events.Select(e => e.Kind));
        Assert.Equal(5, events.Single(e => e.RunId == RunA && e.Kind == RunEventKind.Progress).Counts!.Read);
        Assert.Equal(50, events.Single(e => e.RunId == other).Counts!.Read);
    }

    [Fact]
    public async Task A_version_1_state_folder_is_migrated_and_its_waiting_outbox_is_delivered_intact()
    {
        await using var hub = await HubDouble.StartAsync();
        await using var agent = await TestAgent.EnrollAsync(hub);

        // Turn the enrolled folder into one a version-1 agent left behind (agent.json is unchanged between versions).
        var fixture = Path.Combine(AppContext.BaseDirectory, "Fixtures", "state-v1");
        File.Copy(Path.Combine(fixture, "state.json"), agent.Folder.StateFile, overwrite: true);
        File.Delete(agent.Folder.OutboxFile);
        await using (var db = new SqliteConnection($"Data Source={agent.Folder.OutboxFile};Pooling=False"))
        {
            await db.OpenAsync(Ct);
            await using var cmd = db.CreateCommand();
            cmd.CommandText = await File.ReadAllTextAsync(Path.Combine(fixture, "outbox.sql"), Ct);
            await cmd.ExecuteNonQueryAsync(Ct);
        }

        var job = Guid.NewGuid();
        Directory.CreateDirectory(Path.Combine(agent.Root, "delta"));
        await File.WriteAllBytesAsync(Path.Combine(agent.Root, "delta", $"{job:D}.delta"), [1, 2, 3, 4], Ct);

        agent.Start();
        await Eventually.TrueAsync(() => hub.Events().Length == 3 && hub.Logs().Count(l => l.Message.EndsWith("(version 1)", StringComparison.Ordinal)) == 2, "the version-1 items at the hub");

        var events = hub.Events();
        Assert.Equal([7L, 8L, 9L], events.Select(e => e.Sequence));
        Assert.Equal([RunEventKind.Started, RunEventKind.Progress, RunEventKind.Finished], events.Select(e => e.Kind));
        Assert.Equal(new RunCounts(800, 800, 800, 2, 64000), events[2].Counts);
        Assert.Equal(Guid.Parse("0192f0a0-0000-7000-8000-00000000e001"), hub.EventOutboxIds.Single());
        var v1Logs = hub.Logs().Where(l => l.Message.EndsWith("(version 1)", StringComparison.Ordinal)).ToList();
        Assert.Equal([4L, 5L], v1Logs.Select(l => l.Sequence));
        Assert.Equal(LogSeverity.Warning, v1Logs[1].Level);

        // New items continue the old numbering.
        await Eventually.TrueAsync(() => hub.Logs().Any(l => l.Sequence > 5), "a new log line after the old ones");
        Assert.Equal(0, await agent.StopAsync());

        var state = await AgentStateStore.ReadAsync(agent.Folder, Ct);
        Assert.Equal(AgentState.CurrentSchemaVersion, state!.SchemaVersion);
        Assert.Equal(Guid.Parse("0192f0a0-0000-7000-8000-00000000e002"), state.LogOutboxId);
        Assert.Equal([1, 2, 3, 4], await File.ReadAllBytesAsync(Path.Combine(agent.Folder.JobStateFolder(job), $"{job:D}.delta"), Ct));
        Assert.False(Directory.Exists(Path.Combine(agent.Root, "delta")));
        await using (var db = new SqliteConnection($"Data Source={agent.Folder.OutboxFile};Pooling=False"))
        {
            await db.OpenAsync(Ct);
            await using var cmd = db.CreateCommand();
            cmd.CommandText = "PRAGMA user_version";
            Assert.Equal(AgentOutbox.SchemaVersion, Convert.ToInt32(await cmd.ExecuteScalarAsync(Ct), System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    [Fact]
    public async Task A_state_folder_from_a_newer_agent_is_refused_with_a_clear_message()
    {
        await using var hub = await HubDouble.StartAsync();
        await using var enrolled = await TestAgent.EnrollAsync(hub);
        await File.WriteAllTextAsync(enrolled.Folder.StateFile, """{"schemaVersion":99,"outboxId":"0192f0a0-0000-7000-8000-00000000e001","logOutboxId":"0192f0a0-0000-7000-8000-00000000e002","createdAt":"2026-11-01T08:00:00+00:00"}""", Ct);
        using var a = new AgentProcess();

        var (code, _, stderr) = await a.RunAsync("run", "--config-dir", enrolled.Root);

        Assert.Equal(78, code);
        Assert.Contains("written by a newer agent (state schema 99)", stderr, StringComparison.Ordinal);
    }

    private static AgentLogLine Line(Guid? run, LogSeverity level, string message) =>
        new(0, run, DateTimeOffset.UnixEpoch, level, "test", message + new string('.', 100), null);
}
