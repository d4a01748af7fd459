using System.Text;
using GrocerySync.Hub.Api;
using GrocerySync.Hub.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GrocerySync.Hub.Features.Logs;

internal static class LogsApi
{
    public static IServiceCollection AddLogs(this IServiceCollection services)
    {
        services.AddScoped<LogService>();
        services.AddOptions<RetentionOptions>().BindConfiguration(RetentionOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<RetentionSweeper>().AddHostedService(sp => sp.GetRequiredService<RetentionSweeper>());
        return services;
    }

    public static RouteGroupBuilder MapLogsEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/logs").WithTags("Logs").RequireAuthorization(Policies.AnyUser);

        group.MapGet("/", async Task<Results<Ok<LogPage>, ValidationProblem>> ([AsParameters] LogQuery query, LogService service, CancellationToken ct) =>
            (await service.ListAsync(query, ct)).ToListResult())
            .WithSummary("Reads log lines with keyset paging: 'after' (oldest first, the default) or 'before' (newest first), at most 1000 per page. No total count: the log grows to millions of lines.");

        var runLog = routes.MapGroup("/runs/{id:guid}/log").WithTags("Logs").RequireAuthorization(Policies.AnyUser);
        runLog.MapGet("/", async Task<Results<PushStreamHttpResult, NotFound>> (Guid id, LogService service, CancellationToken ct) =>
            {
                var log = await service.GetRunLogAsync(id, ct);
                if (log.Kind != OutcomeKind.Ok)
                {
                    return TypedResults.NotFound();
                }

                return TypedResults.Stream(
                    async body =>
                    {
                        await using var writer = new StreamWriter(body, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), bufferSize: -1, leaveOpen: true) { NewLine = "\n" };
                        await foreach (var line in log.Value!.Lines)
                        {
                            await writer.WriteLineAsync(line);
                        }
                    },
                    "text/plain; charset=utf-8",
                    log.Value!.FileName);
            })
            .Produces<string>(StatusCodes.Status200OK, "text/plain")
            .WithSummary("Downloads the run's whole log as text, one line per entry: timestamp (UTC), level, category, message.");

        return group;
    }
}
