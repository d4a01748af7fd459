using GrocerySync.Agent.Configuration;
using GrocerySync.Agent.Hub;
using GrocerySync.Agent.Logging;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GrocerySync.Agent.Service;

/// <summary>
/// Whether the hub answers, shared by heartbeat, work and delivery: one log line when it stops answering and one when
/// it is back (not one per failed call), and the back-off between attempts (1 s doubling up to
/// <see cref="AgentOptions.RetryMaxDelay"/>, with jitter).
/// </summary>
internal sealed class Connectivity(TimeProvider time, IOptions<AgentOptions> options, StatusTracker status, ILogger<Connectivity> logger)
{
    private readonly Lock _lock = new();
    private long? _downSince;

    public bool IsDown
    {
        get
        {
            lock (_lock)
            {
                return _downSince is not null;
            }
        }
    }

    public void Succeeded()
    {
        long? since;
        lock (_lock)
        {
            since = _downSince;
            _downSince = null;
        }

        if (since is { } s)
        {
            var down = time.GetElapsedTime(s).TotalSeconds;
            logger.HubReachable(down);
        }
    }

    public void Failed(HubUnavailableException ex)
    {
        bool first;
        lock (_lock)
        {
            first = _downSince is null;
            _downSince ??= time.GetTimestamp();
        }

        if (first)
        {
            logger.HubUnreachable(ex.Reason, ex.Message);
        }

        _ = status.HubErrorAsync(ex.Message);
    }

    /// <summary>The wait before attempt number <paramref name="failures"/> + 1.</summary>
    public TimeSpan BackOff(int failures)
    {
        var max = options.Value.RetryMaxDelay;
        var seconds = Math.Min(max.TotalSeconds, Math.Pow(2, Math.Min(failures, 16) - 1));
        var jitter = 0.8 + (Random.Shared.NextDouble() * 0.4);
        return TimeSpan.FromSeconds(Math.Max(0.1, Math.Min(max.TotalSeconds, seconds * jitter)));
    }
}
