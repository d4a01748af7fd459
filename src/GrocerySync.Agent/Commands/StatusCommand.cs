using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using GrocerySync.Agent.Configuration;
using GrocerySync.Agent.Outbox;
using GrocerySync.Agent.Service;

namespace GrocerySync.Agent.Commands;

/// <summary>The <c>status --output json</c> document. The key is never part of it.</summary>
internal sealed record StatusOutput
{
    public required string Status { get; init; }

    public required string ConfigDir { get; init; }

    public Uri? Hub { get; init; }

    public Guid? AgentId { get; init; }

    public string? AgentName { get; init; }

    public Guid? RetailerId { get; init; }

    public DateTimeOffset? EnrolledAt { get; init; }

    /// <summary>Always "stored encrypted" when enrolled: the key itself is never shown.</summary>
    public string? ApiKey { get; init; }

    public bool Online { get; init; }

    public bool Running { get; init; }

    public bool Revoked { get; init; }

    public DateTimeOffset? LastHeartbeatAt { get; init; }

    public int? HeartbeatIntervalSeconds { get; init; }

    public string? LastError { get; init; }

    public long QueuedEvents { get; init; }

    public long QueuedLogLines { get; init; }

    public long QueuedOutboxItems { get; init; }

    public long OutboxBytes { get; init; }

    public long DroppedLogLines { get; init; }

    public bool UpgradeSuggested { get; init; }

    public IReadOnlyList<RunningRunInfo> RunningRuns { get; init; } = [];
}

/// <summary><c>gsagent status</c>: enrollment, online (from the last successful heartbeat), backlog and running runs.</summary>
internal sealed class StatusCommand(CommandOutput output, TimeProvider time)
{
    /// <summary>As the hub judges it: online while the last heartbeat is within the interval plus this buffer.</summary>
    public static readonly TimeSpan OnlineBuffer = TimeSpan.FromSeconds(60);

    public static Command Create()
    {
        var configDir = CommandOutput.ConfigDirOption();
        var outputOption = CommandOutput.OutputOption();
        var command = new Command("status", "Show the enrolled hub, agent id, online state, last heartbeat, queued outbox items and running runs.")
        {
            configDir, outputOption,
        };
        command.SetAction((parse, ct) =>
        {
            var output = new CommandOutput(Console.Out, Console.Error, "status", parse.GetValue(outputOption) == "json");
            return output.RunAsync(() => new StatusCommand(output, TimeProvider.System).RunAsync(AgentFolder.Resolve(parse.GetValue(configDir)), ct));
        });
        return command;
    }

    public async Task<int> RunAsync(AgentFolder folder, CancellationToken cancellationToken)
    {
        var result = await ReadAsync(folder, time, cancellationToken);
        output.Document(result, AgentJson.Default.StatusOutput);
        if (!output.Json)
        {
            Write(result);
        }

        return result.Status == "not-enrolled" ? ExitCodes.NotEnrolled : ExitCodes.Success;
    }

    public static async Task<StatusOutput> ReadAsync(AgentFolder folder, TimeProvider time, CancellationToken cancellationToken)
    {
        var agent = await new AgentConfigStore(folder).TryLoadAsync(cancellationToken);
        if (agent is null)
        {
            return new StatusOutput { Status = "not-enrolled", ConfigDir = folder.Root };
        }

        var status = await ReadStatusFileAsync(folder, cancellationToken);
        var counts = await AgentOutbox.CountFileAsync(folder.OutboxFile, cancellationToken) ?? new OutboxCounts(0, 0, 0, 0);
        var interval = status?.HeartbeatIntervalSeconds ?? agent.HeartbeatIntervalSeconds;
        var online = IsOnline(status, interval, time.GetUtcNow());
        return new StatusOutput
        {
            Status = status?.Revoked == true ? "revoked" : online ? "online" : "offline",
            ConfigDir = folder.Root,
            Hub = agent.Hub,
            AgentId = agent.AgentId,
            AgentName = agent.AgentName,
            RetailerId = agent.RetailerId,
            EnrolledAt = agent.EnrolledAt,
            ApiKey = "stored encrypted",
            Online = online,
            Running = status is { Stopped: false },
            Revoked = status?.Revoked == true,
            LastHeartbeatAt = status?.LastHeartbeatAt,
            HeartbeatIntervalSeconds = interval,
            LastError = string.IsNullOrEmpty(status?.LastError) ? null : status.LastError,
            QueuedEvents = counts.Events,
            QueuedLogLines = counts.LogLines,
            QueuedOutboxItems = counts.Events + counts.LogLines,
            OutboxBytes = counts.Bytes,
            DroppedLogLines = counts.DroppedLines,
            UpgradeSuggested = status?.UpgradeSuggested == true,
            RunningRuns = status is { Stopped: false } ? status.RunningRuns : [],
        };
    }

    /// <summary>Online while the last successful heartbeat is at most interval + <see cref="OnlineBuffer"/> old and the agent runs.</summary>
    public static bool IsOnline(AgentStatusFile? status, int intervalSeconds, DateTimeOffset now) =>
        status is { Stopped: false, Revoked: false, LastHeartbeatAt: { } last } && now - last <= TimeSpan.FromSeconds(intervalSeconds) + OnlineBuffer;

    public static async Task<AgentStatusFile?> ReadStatusFileAsync(AgentFolder folder, CancellationToken cancellationToken)
    {
        if (!File.Exists(folder.StatusFile))
        {
            return null;
        }

        try
        {
            await using var stream = File.OpenRead(folder.StatusFile);
            return await JsonSerializer.DeserializeAsync(stream, AgentJson.Default.AgentStatusFile, cancellationToken);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private void Write(StatusOutput s)
    {
        var w = output.Out;
        var inv = CultureInfo.InvariantCulture;
        if (s.Status == "not-enrolled")
        {
            w.WriteLine($"Not enrolled ({s.ConfigDir}). Run: gsagent enroll --hub URL --token TOKEN");
            return;
        }

        w.WriteLine(string.Create(inv, $"Agent      {s.AgentName} ({s.AgentId})"));
        w.WriteLine(string.Create(inv, $"Hub        {s.Hub}"));
        w.WriteLine(string.Create(inv, $"Folder     {s.ConfigDir}"));
        w.WriteLine(string.Create(inv, $"API key    {s.ApiKey}"));
        w.WriteLine(string.Create(inv, $"Status     {s.Status}{(s.Running ? string.Empty : " (agent process not running)")}"));
        w.WriteLine(string.Create(inv, $"Heartbeat  {(s.LastHeartbeatAt is { } at ? at.ToString("u", inv) : "never")} (every {s.HeartbeatIntervalSeconds} s)"));
        if (s.LastError is not null)
        {
            w.WriteLine(string.Create(inv, $"Last error {s.LastError}"));
        }

        w.WriteLine(string.Create(inv, $"Outbox     {s.QueuedOutboxItems:N0} items waiting ({s.QueuedEvents:N0} events, {s.QueuedLogLines:N0} log lines, {s.OutboxBytes / 1e6:N1} MB){(s.DroppedLogLines > 0 ? $", {s.DroppedLogLines:N0} lines dropped (disk cap)" : string.Empty)}"));
        w.WriteLine(string.Create(inv, $"Runs       {s.RunningRuns.Count}"));
        foreach (var r in s.RunningRuns)
        {
            w.WriteLine(string.Create(inv, $"  {r.RunId}  {r.JobName}  {(r.StartedAt is { } st ? "running since " + st.ToString("u", inv) : "waiting for a slot")}"));
        }

        if (s.UpgradeSuggested)
        {
            w.WriteLine("An agent upgrade is available from the hub.");
        }
    }
}
