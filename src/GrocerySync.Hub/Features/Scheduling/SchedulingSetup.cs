using GrocerySync.Hub.Data;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Quartz;

namespace GrocerySync.Hub.Features.Scheduling;

internal static class SchedulingSetup
{
    /// <summary>Quartz.NET as the hub's timer: clustered on PostgreSQL, in memory on SQLite; plus the reconciler and the readiness check.</summary>
    public static IServiceCollection AddScheduling(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SchedulingOptions>().Bind(configuration.GetSection(SchedulingOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        var options = configuration.GetSection(SchedulingOptions.Section).Get<SchedulingOptions>() ?? new SchedulingOptions();
        var postgres = DatabaseExtensions.ProviderFor(configuration) == DatabaseProvider.Postgres;

        services.AddQuartz(q =>
        {
            q.ConfigureScheduler(s =>
            {
                // Every replica shares the scheduler name (it is the cluster); each has an id of its own.
                s.InstanceName = "GrocerySync.Hub";
                s.InstanceId = options.ResolvedInstanceId;
                s.IdleWaitTime = options.IdleWaitTime;
            });
            if (postgres)
            {
                q.UsePersistentStore(store =>
                {
                    store.UsePostgres(configuration.GetConnectionString(DatabaseExtensions.PostgresConnectionName)!);
                    store.UseClustering(c =>
                    {
                        c.CheckinInterval = options.ClusterCheckinInterval;
                        c.CheckinMisfireThreshold = options.ClusterFailoverDelay;
                    });
                    store.ConfigureStore(s =>
                    {
                        s.TablePrefix = QuartzSchema.TablePrefix;
                        // Our migrations create the tables (QuartzSchedulerMigration); Quartz only checks them.
                        s.SchemaProvisioning = SchemaProvisioning.Validate;
                        s.StoreJobDataAsStrings = true;
                    });
                });
            }
            else
            {
                q.UseInMemoryStore();
            }
        });
        services.AddQuartzHostedService(o => o.WaitForJobsToComplete = true);
        services.AddTransient<ScheduledRunJob>();
        services.AddSingleton<JobTriggers>();
        services.AddScoped<ScheduledRuns>();
        services.AddSingleton<ScheduleReconciler>();
        services.AddHostedService(sp => sp.GetRequiredService<ScheduleReconciler>());

        // Ready means the scheduler fires: started, not in standby.
        services.AddHealthChecks().AddQuartz(o =>
        {
            o.Name = "scheduler";
            o.Tags.Add("ready");
            o.StandbyStatus = HealthStatus.Unhealthy;
        });
        return services;
    }
}
