using GrocerySync.Agent.Configuration;
using GrocerySync.Agent.Hub;
using GrocerySync.Agent.Logging;
using GrocerySync.Agent.Outbox;
using GrocerySync.Agent.Plugins;
using GrocerySync.Agent.Runs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;

namespace GrocerySync.Agent.Service;

/// <summary>
/// The agent worker (<c>gsagent run</c>, also under systemd or as a Windows service): Generic Host with the outbox
/// log pump, delivery, heartbeat and work services. Settings: section <c>Agent</c> from <c>appsettings.json</c> next to
/// the binary, <c>appsettings.json</c> in the agent folder, environment variables (<c>Agent__MaxConcurrentRuns</c>)
/// and the command line.
/// </summary>
internal static class AgentHost
{
    /// <summary>Builds the host for an enrolled folder (opens the state and the outbox first).</summary>
    /// <exception cref="AgentFailure">Not enrolled, unreadable or newer state.</exception>
    public static async Task<IHost> BuildAsync(AgentFolder folder, string[] args, Action<IServiceCollection>? configure, CancellationToken cancellationToken)
    {
        var store = new AgentConfigStore(folder);
        var (agent, key) = await store.LoadAsync(cancellationToken);
        var state = await AgentStateStore.OpenAsync(folder, TimeProvider.System, cancellationToken);

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
            ApplicationName = "gsagent",
        });
        // The folder's appsettings.json sits between the binary's and the environment variables.
        var sources = builder.Configuration.Sources;
        var environment = sources.Select((source, i) => (source, i)).FirstOrDefault(x => x.source is Microsoft.Extensions.Configuration.EnvironmentVariables.EnvironmentVariablesConfigurationSource).i;
        sources.Insert(environment > 0 ? environment : sources.Count, new Microsoft.Extensions.Configuration.Json.JsonConfigurationSource
        {
            Path = Path.GetFileName(folder.SettingsFile),
            Optional = true,
            FileProvider = new Microsoft.Extensions.FileProviders.PhysicalFileProvider(folder.Root),
        });
        AgentOptions agentOptions;
        try
        {
            agentOptions = builder.Configuration.GetSection(AgentOptions.Section).Get<AgentOptions>() ?? new AgentOptions();
        }
        catch (InvalidOperationException ex)
        {
            throw new AgentFailure(ExitCodes.ConfigurationError, "bad-settings", $"Invalid settings: {ex.Message} {ex.InnerException?.Message}");
        }

        // Checked here too (the host checks again on start): a bad value must end with a message, not a failed host.
        var problems = AgentOptionsValidator.All(agentOptions);
        if (problems.Count > 0)
        {
            throw new AgentFailure(ExitCodes.ConfigurationError, "bad-settings", "Invalid settings: " + string.Join(" ", problems));
        }
        var outbox = await AgentOutbox.OpenAsync(folder.OutboxFile, agentOptions.OutboxMaxBytes, cancellationToken);

        builder.Services.AddSystemd();
        builder.Services.AddWindowsService(o => o.ServiceName = WindowsServiceInstaller.ServiceName);
        builder.Logging.AddFilter("System.Net.Http.HttpClient", LogLevel.Warning);
        builder.Logging.AddFilter("Polly", LogLevel.Error);
        builder.Logging.AddFilter("Microsoft.Extensions.Http", LogLevel.Warning);
        MaskingLoggerProvider.ReplaceLocalProviders(builder.Services);

        var services = builder.Services;
        services.AddOptions<AgentOptions>().Bind(builder.Configuration.GetSection(AgentOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<AgentOptions>, AgentOptionsValidator>();
        services.Configure<HostOptions>(o => o.ShutdownTimeout = agentOptions.ShutdownGracePeriod + TimeSpan.FromSeconds(30));
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(folder);
        services.AddSingleton(agent);
        services.AddSingleton(new HubSession(agent, key));
        services.AddSingleton(new AgentStateHolder(state));
        services.AddSingleton(outbox);
        services.AddSingleton<RevocationMonitor>();
        services.AddSingleton<RunRegistry>();
        services.AddSingleton<StatusTracker>();
        services.AddSingleton<Connectivity>();
        services.AddSingleton<PluginCache>();
        services.AddSingleton<RunExecutor>();
        services.AddSingleton<ConnectionTestRunner>();
        services.AddSingleton(sp => new OutboxLoggerProvider(sp.GetRequiredService<TimeProvider>(), agentOptions.OutboxLogLevel));
        services.AddSingleton<ILoggerProvider>(sp => sp.GetRequiredService<OutboxLoggerProvider>());

        // Every call through this client may be repeated safely (see HubClient); enrollment has its own client.
        var attemptTimeout = agentOptions.WorkPollWait + TimeSpan.FromSeconds(15);
        services.AddHttpClient<HubClient>(http =>
            {
                http.BaseAddress = agent.Hub;
                http.Timeout = Timeout.InfiniteTimeSpan;
                http.DefaultRequestHeaders.UserAgent.ParseAdd($"gsagent/{AgentIdentityInfo.Version}");
            })
            .AddStandardResilienceHandler(o =>
            {
                o.AttemptTimeout.Timeout = attemptTimeout;
                o.TotalRequestTimeout.Timeout = attemptTimeout * 3;
                o.CircuitBreaker.SamplingDuration = attemptTimeout * 2;
                o.Retry.MaxRetryAttempts = agentOptions.HttpRetries;
                o.Retry.Delay = agentOptions.HttpRetryDelay;
                o.Retry.BackoffType = DelayBackoffType.Exponential;
                o.Retry.UseJitter = true;
            });

        // Stopped in reverse order: work first (finishes runs), then heartbeat, delivery (a last flush), the log pump last.
        services.AddHostedService<OutboxLogPump>();
        services.AddHostedService<StartupLog>();
        services.AddHostedService<DeliveryService>();
        services.AddHostedService<HeartbeatService>();
        services.AddHostedService<RevocationWatcher>();
        services.AddHostedService<WorkService>();
        configure?.Invoke(services);
        return builder.Build();
    }

    /// <summary>Logs the safety-relevant set-up at start (no secrets) and cleans up interrupted downloads.</summary>
    private sealed class StartupLog(EnrolledAgent agent, AgentFolder folder, PluginCache plugins, StatusTracker status, IOptions<AgentOptions> options, ILogger<StartupLog> logger) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            plugins.CleanUp();
            logger.AgentStarting(AgentIdentityInfo.Version, agent.Hub, agent.AgentName, agent.AgentId, folder.Root, options.Value.MaxConcurrentRuns, options.Value.OutboxMaxBytes);
            await status.StartedAsync();
        }

        public async Task StopAsync(CancellationToken cancellationToken)
        {
            logger.AgentStopping();
            await status.StoppedAsync();
        }
    }
}
