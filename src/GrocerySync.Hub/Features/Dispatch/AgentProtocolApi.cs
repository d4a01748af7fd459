using System.Threading.RateLimiting;
using GrocerySync.Contracts.Agents;
using GrocerySync.Hub.Features.Agents;
using GrocerySync.Hub.Features.Logs;
using GrocerySync.Hub.Features.Plugins;
using GrocerySync.Hub.Features.Runs;
using GrocerySync.Hub.Tenancy;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace GrocerySync.Hub.Features.Dispatch;

/// <summary>
/// The agent protocol under <c>/agent/v1</c> (GrocerySync.Contracts/Agents/AgentProtocol.cs): enrollment, heartbeats,
/// the work long-poll, run events, logs, connection test results and plugin downloads, with the background services that keep runs and agents
/// honest (heartbeat writer and monitor, lease sweeper, queued-run watcher, cancel requests).
/// </summary>
internal static class AgentProtocolApi
{
    /// <summary>The authorization policy of <c>/agent/v1</c>: an agent key, nothing else.</summary>
    public const string AgentPolicy = "Agent";

    /// <summary>Rate limit per agent on <c>/agent/v1</c>.</summary>
    public const string AgentRateLimit = "agent";

    /// <summary>Rate limit per client IP on enrollment.</summary>
    public const string EnrollRateLimit = "agent-enroll";

    private const string CallerItem = "GrocerySync.AgentCaller";

    public static IServiceCollection AddAgentProtocol(this IServiceCollection services)
    {
        services.AddOptions<AgentOptions>().BindConfiguration(AgentOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<RunOptions>().BindConfiguration(RunOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<AgentKeyCache>().AddHostedService(sp => sp.GetRequiredService<AgentKeyCache>());
        services.AddSingleton<EnrollmentService>();
        services.AddAgentKeyAuthentication();
        services.AddAuthorizationBuilder().AddPolicy(AgentPolicy, p => p
            .AddAuthenticationSchemes(AgentKeyHandler.SchemeName)
            .RequireAuthenticatedUser()
            .RequireClaim(AgentClaims.AgentId));

        services.AddSingleton<WorkSignals>();
        services.AddSingleton<IRunQueuedListener>(sp => sp.GetRequiredService<WorkSignals>());
        services.AddSingleton<HeartbeatWriter>().AddHostedService(sp => sp.GetRequiredService<HeartbeatWriter>());
        services.AddSingleton<CancelRequests>().AddHostedService(sp => sp.GetRequiredService<CancelRequests>());
        services.AddSingleton<HeartbeatMonitor>().AddHostedService(sp => sp.GetRequiredService<HeartbeatMonitor>());
        services.AddSingleton<LeaseSweeper>().AddHostedService(sp => sp.GetRequiredService<LeaseSweeper>());
        services.AddSingleton<QueuedRunWatcher>().AddHostedService(sp => sp.GetRequiredService<QueuedRunWatcher>());
        services.AddScoped<RunLifecycle>();
        services.AddScoped<RunSpecBuilder>();
        services.AddScoped<ConnectionTestDispatch>();
        services.AddScoped<AgentProtocolService>();
        services.AddSingleton<HeartbeatService>();
        services.AddScoped<LogIngest>();

        services.AddOptions<RateLimiterOptions>().Configure<IOptions<AgentOptions>>((o, agents) =>
        {
            o.AddPolicy(EnrollRateLimit, http => RateLimitPartition.GetFixedWindowLimiter(
                "enroll-ip:" + (http.Connection.RemoteIpAddress?.ToString() ?? "unknown"),
                _ => new FixedWindowRateLimiterOptions { PermitLimit = agents.Value.EnrollPerMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
            o.AddPolicy(AgentRateLimit, http =>
            {
                var agentId = AgentClaims.AgentIdOf(http.User);
                return RateLimitPartition.GetFixedWindowLimiter(
                    agentId is { } id ? "agent:" + id : "agent-ip:" + http.Connection.RemoteIpAddress,
                    _ => new FixedWindowRateLimiterOptions { PermitLimit = agents.Value.RequestsPerMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 });
            });
        });
        return services;
    }

    public static RouteGroupBuilder MapAgentProtocolEndpoints(this IEndpointRouteBuilder routes)
    {
        // The protocol's contracts carry no validation attributes and every handler checks its input itself, so the
        // reflection walk of minimal-API validation (each of 5,000 log lines in a batch) is skipped here.
        var group = routes.MapGroup("/agent/v1").WithTags("Agent protocol")
            .DisableValidation()
            .RequireAuthorization(AgentPolicy)
            .RequireRateLimiting(AgentRateLimit)
            .AddEndpointFilter(async (context, next) =>
            {
                // The tenant is the agent's retailer, whichever scheme the host ran first.
                var http = context.HttpContext;
                http.RequestServices.GetRequiredService<CurrentUser>().SetUser(http.User);
                return await next(context);
            });

        group.MapPost("/enroll", async Task<Results<Ok<EnrollResponse>, ValidationProblem, ProblemHttpResult>> (
                EnrollRequest request, EnrollmentService enrollment, CancellationToken ct) =>
            {
                var errors = new Dictionary<string, string[]>();
                if (string.IsNullOrWhiteSpace(request.Token) || request.Token.Length > 200)
                {
                    errors["token"] = ["Give the enrollment token from the hub."];
                }

                if (request.Agent is null || string.IsNullOrWhiteSpace(request.Agent.AgentVersion))
                {
                    errors["agent.agentVersion"] = ["Give the agent's version."];
                }

                if (errors.Count > 0)
                {
                    return TypedResults.ValidationProblem(errors);
                }

                var (enrolled, refusal) = await enrollment.EnrollAsync(request, ct);
                if (refusal is not null)
                {
                    return TypedResults.Problem(refusal.Message, statusCode: StatusCodes.Status400BadRequest, title: refusal.Title,
                        extensions: new Dictionary<string, object?> { ["code"] = refusal.Code });
                }

                return TypedResults.Ok(enrolled!);
            })
            .AllowAnonymous()
            .RequireRateLimiting(EnrollRateLimit)
            .WithSummary("Exchanges a one-time enrollment token for the agent's API key (shown once). Expired and unknown or used tokens answer 400 with a code.");

        group.MapPost("/heartbeat", async Task<Results<Ok<HeartbeatResponse>, ValidationProblem>> (
                HeartbeatRequest request, HttpContext http, HeartbeatService service, CancellationToken ct) =>
            {
                if (request.Agent is null || string.IsNullOrWhiteSpace(request.Agent.AgentVersion))
                {
                    return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["agent.agentVersion"] = ["Give the agent's version."] });
                }

                if (request.RunningRunIds?.Count > HeartbeatService.MaxRunIdsPerHeartbeat || request.Plugins?.Count > HeartbeatService.MaxPluginsPerHeartbeat)
                {
                    return TypedResults.ValidationProblem(new Dictionary<string, string[]>
                    {
                        ["runningRunIds"] = [$"At most {HeartbeatService.MaxRunIdsPerHeartbeat} running runs and {HeartbeatService.MaxPluginsPerHeartbeat} plugins per heartbeat."],
                    });
                }

                return TypedResults.Ok(await service.HeartbeatAsync(Caller(http), request, http.RequestServices, ct));
            })
            .WithSummary("Reports that the agent is alive, what it runs and has; renews the leases of its running runs. Answers the interval, runs to cancel and whether an upgrade is suggested.");

        group.MapGet("/work", async Task<Results<Ok<WorkResponse>, NoContent, ValidationProblem>> (
                HttpContext http, AgentProtocolService service, CancellationToken ct,
                [FromQuery(Name = AgentRoutes.WaitSecondsQuery)] int? waitSeconds, [FromQuery(Name = AgentRoutes.MaxRunsQuery)] int? maxRuns) =>
            {
                var seconds = waitSeconds ?? 30;
                if (seconds is < 0 or > AgentRoutes.MaxWaitSeconds)
                {
                    return TypedResults.ValidationProblem(new Dictionary<string, string[]> { [AgentRoutes.WaitSecondsQuery] = [$"Wait between 0 and {AgentRoutes.MaxWaitSeconds} seconds."] });
                }

                if (maxRuns is < 0)
                {
                    return TypedResults.ValidationProblem(new Dictionary<string, string[]> { [AgentRoutes.MaxRunsQuery] = ["Ask for 0 runs or more (0: every slot is busy, connection tests only)."] });
                }

                var work = await service.WorkAsync(Caller(http), TimeSpan.FromSeconds(seconds), maxRuns, ct);
                return work.Runs.Count == 0 && work.ConnectionTests.Count == 0 ? TypedResults.NoContent() : TypedResults.Ok(work);
            })
            .WithSummary("Long-poll for work: answers the runs (at most 'maxRuns', its free slots; 0 asks for connection tests only) and connection tests handed to this agent (Dispatched) as soon as there are any, or 204 after 'waitSeconds' (at most 60).");

        group.MapPost("/events", async Task<Results<Ok<BatchAcknowledgement>, ValidationProblem>> (
                EventBatch batch, HttpContext http, AgentProtocolService service, CancellationToken ct) =>
            {
                if (BatchErrors(batch.OutboxId, batch.Events?.Count ?? -1, AgentProtocolService.MaxEventsPerBatch, batch.Events?.Select(e => e.Sequence)) is { } errors)
                {
                    return TypedResults.ValidationProblem(errors);
                }

                return TypedResults.Ok(await service.EventsAsync(Caller(http), batch, ct));
            })
            .WithSummary("Delivers outbox events (started, progress, finished), applied exactly once by sequence; answers the highest applied sequence and runs to cancel.");

        group.MapPost("/logs", async Task<Results<Ok<BatchAcknowledgement>, ValidationProblem>> (
                LogBatch batch, HttpContext http, LogIngest ingest, AgentProtocolService service, CancellationToken ct) =>
            {
                if (BatchErrors(batch.OutboxId, batch.Lines?.Count ?? -1, LogIngest.MaxLinesPerBatch, batch.Lines?.Select(l => l.Sequence)) is { } errors)
                {
                    return TypedResults.ValidationProblem(errors);
                }

                var caller = Caller(http);
                var acknowledged = await ingest.IngestAsync(caller, batch, ct);
                return TypedResults.Ok(new BatchAcknowledgement(acknowledged, await service.CancelRunIdsAsync(caller.AgentId, ct)));
            })
            .WithSummary("Delivers log lines, stored in bulk exactly once by sequence; answers the highest stored sequence and runs to cancel.");

        group.MapPost("/connection-tests/{id:guid}/result", async Task<Results<Ok<ConnectionTestAcknowledgement>, NotFound>> (
                Guid id, ConnectionTestReport report, HttpContext http, ConnectionTestDispatch tests, CancellationToken ct) =>
            await tests.RecordAsync(Caller(http).AgentId, id, report, ct) is { } acknowledgement
                ? TypedResults.Ok(acknowledgement)
                : TypedResults.NotFound())
            .WithSummary("Reports the outcome of a connection test handed to this agent; another agent's test answers 404. A test that ended already (answered or expired) answers recorded: false and stays as it is.");

        group.MapGet("/plugins/{id}/{version}", async Task<Results<FileStreamHttpResult, NotFound>> (
                string id, string version, PluginPackages packages, CancellationToken ct) =>
            await packages.OpenZipAsync(id, version, ct) is { } zip
                ? TypedResults.File(zip, "application/zip", $"{id}-{version}.zip")
                : TypedResults.NotFound())
            .WithSummary("Downloads one plugin package of the catalog as a zip; its extracted files hash to the catalog's SHA-256.");

        return group;
    }

    /// <summary>Keeps what the key handler found for the rest of the request.</summary>
    public static void SetCaller(HttpContext http, AgentCaller caller) => http.Items[CallerItem] = caller;

    private static AgentCaller Caller(HttpContext http) =>
        http.Items[CallerItem] as AgentCaller ?? throw new InvalidOperationException("An /agent/v1 endpoint ran without an authenticated agent.");

    private static Dictionary<string, string[]>? BatchErrors(Guid outboxId, int count, int max, IEnumerable<long>? sequences)
    {
        var errors = new Dictionary<string, string[]>();
        if (outboxId == Guid.Empty)
        {
            errors["outboxId"] = ["Give the outbox's id."];
        }

        if (count < 0 || count > max)
        {
            errors["items"] = [$"Send between 0 and {max} items per batch."];
        }
        else if (sequences!.Any(s => s <= 0))
        {
            errors["items"] = ["Sequences start at 1."];
        }

        return errors.Count == 0 ? null : errors;
    }
}
