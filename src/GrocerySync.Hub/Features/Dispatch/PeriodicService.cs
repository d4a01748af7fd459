using System.Data.Common;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Tenancy;
using Microsoft.EntityFrameworkCore;

namespace GrocerySync.Hub.Features.Dispatch;

/// <summary>
/// A background service that does one pass every <see cref="Interval"/> as the hub (no tenant filter). A pass is
/// safe on several replicas at once: each writes with conditional updates. A failed pass is logged and retried
/// at the next tick; it never stops the service.
/// </summary>
internal abstract class PeriodicService(IServiceScopeFactory scopes, TimeProvider clock, ILogger log) : BackgroundService
{
    protected abstract TimeSpan Interval { get; }

    /// <summary>The clock of the service: business time (fake in tests) or the real one for transport timing.</summary>
    protected TimeProvider Clock => clock;

    /// <summary>For services that also read the database outside their passes.</summary>
    protected IServiceScopeFactory Scopes => scopes;

    /// <summary>One pass; public so tests (and a fake clock) can drive it.</summary>
    public async Task RunOnceAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentUser>().SetSystem();
        await RunAsync(scope.ServiceProvider, scope.ServiceProvider.GetRequiredService<HubDbContext>(), ct);
    }

    protected abstract Task RunAsync(IServiceProvider services, HubDbContext db, CancellationToken ct);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (await clock.WaitAsync(Interval, stoppingToken))
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is DbException or DbUpdateException or InvalidOperationException or TimeoutException)
            {
                HubLog.BackgroundPassFailed(log, GetType().Name, ex);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }
}
