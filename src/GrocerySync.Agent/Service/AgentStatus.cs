using System.Text.Json;
using GrocerySync.Agent.Configuration;
using GrocerySync.Agent.Logging;
using GrocerySync.Agent.Runs;
using Microsoft.Extensions.Logging;

namespace GrocerySync.Agent.Service;

/// <summary>A run as <c>status</c> shows it.</summary>
internal sealed record RunningRunInfo(Guid RunId, Guid JobId, string JobName, DateTimeOffset ReceivedAt, DateTimeOffset? StartedAt);

/// <summary><c>status.json</c>: what the running agent last knew, for <c>gsagent status</c> (another process).</summary>
internal sealed record AgentStatusFile
{
    public required int ProcessId { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    public required DateTimeOffset UpdatedAt { get; init; }

    public DateTimeOffset? LastHeartbeatAt { get; init; }

    public required int HeartbeatIntervalSeconds { get; init; }

    public string? LastError { get; init; }

    public DateTimeOffset? LastErrorAt { get; init; }

    public bool Revoked { get; init; }

    public bool UpgradeSuggested { get; init; }

    public string? CurrentAgentVersion { get; init; }

    /// <summary>True once the agent process has stopped.</summary>
    public bool Stopped { get; init; }

    public IReadOnlyList<RunningRunInfo> RunningRuns { get; init; } = [];
}

/// <summary>Keeps <c>status.json</c> current: after each heartbeat, hub error and run change.</summary>
internal sealed class StatusTracker : IDisposable
{
    private readonly AgentFolder _folder;
    private readonly TimeProvider _time;
    private readonly RunRegistry _runs;
    private readonly ILogger<StatusTracker> _logger;
    private readonly SemaphoreSlim _write = new(1, 1);
    private AgentStatusFile _status;

    public StatusTracker(AgentFolder folder, TimeProvider time, RunRegistry runs, EnrolledAgent agent, ILogger<StatusTracker> logger)
    {
        _folder = folder;
        _time = time;
        _runs = runs;
        _logger = logger;
        var now = time.GetUtcNow();
        _status = new AgentStatusFile { ProcessId = Environment.ProcessId, StartedAt = now, UpdatedAt = now, HeartbeatIntervalSeconds = agent.HeartbeatIntervalSeconds };
        runs.Changed += () => _ = UpdateAsync(s => s);
    }

    public AgentStatusFile Current => Volatile.Read(ref _status);

    public Task HeartbeatSucceededAsync(int intervalSeconds, bool upgradeSuggested, string currentAgentVersion) =>
        UpdateAsync(s => s with { LastHeartbeatAt = _time.GetUtcNow(), HeartbeatIntervalSeconds = intervalSeconds, UpgradeSuggested = upgradeSuggested, CurrentAgentVersion = currentAgentVersion });

    public Task HubErrorAsync(string message) => UpdateAsync(s => s with { LastError = message, LastErrorAt = _time.GetUtcNow() });

    public Task RevokedAsync(string message) => UpdateAsync(s => s with { Revoked = true, LastError = message, LastErrorAt = _time.GetUtcNow() });

    public void Dispose() => _write.Dispose();

    public Task StartedAsync() => UpdateAsync(s => s);

    public Task StoppedAsync() => UpdateAsync(s => s with { Stopped = true });

    private async Task UpdateAsync(Func<AgentStatusFile, AgentStatusFile> change)
    {
        await _write.WaitAsync();
        try
        {
            var runs = _runs.All.Select(r => new RunningRunInfo(r.Spec.RunId, r.Spec.JobId, r.Spec.JobName, r.ReceivedAt, r.StartedAt)).ToList();
            var next = change(_status) with { UpdatedAt = _time.GetUtcNow(), RunningRuns = runs };
            Volatile.Write(ref _status, next);
            await SecureFiles.WriteAtomicAsync(_folder.StatusFile, JsonSerializer.Serialize(next, AgentJson.Default.AgentStatusFile), CancellationToken.None);
        }
        catch (IOException ex)
        {
            _logger.UnexpectedError("writing status.json", ex);
        }
        finally
        {
            _write.Release();
        }
    }
}
