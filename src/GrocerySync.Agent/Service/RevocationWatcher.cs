using GrocerySync.Agent.Hub;
using GrocerySync.Agent.Logging;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace GrocerySync.Agent.Service;

/// <summary>Stops the agent when the hub revoked its key; <c>gsagent run</c> then exits with <see cref="ExitCodes.Revoked"/>.</summary>
internal sealed class RevocationWatcher(RevocationMonitor revocation, StatusTracker status, IHostApplicationLifetime lifetime, ILogger<RevocationWatcher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(Timeout.Infinite, CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, revocation.Token).Token);
        }
        catch (OperationCanceledException)
        {
        }

        if (revocation.IsRevoked)
        {
            logger.AgentRevoked(revocation.Message!);
            await status.RevokedAsync(revocation.Message!);
            lifetime.StopApplication();
        }
    }
}
