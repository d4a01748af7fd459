using GrocerySync.Contracts;
using GrocerySync.Hub.Api;
using GrocerySync.Hub.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace GrocerySync.Hub.Features.NotificationRules;

internal static class NotificationRulesApi
{
    public static IServiceCollection AddNotificationRules(this IServiceCollection services)
    {
        services.AddScoped<NotificationRuleService>();
        return services;
    }

    public static RouteGroupBuilder MapNotificationRulesEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/notification-rules").WithTags("Notification rules").RequireAuthorization(Policies.AnyUser);

        group.MapGet("/", async Task<Results<Ok<PagedResult<NotificationRuleDto>>, ValidationProblem>> (
                [AsParameters] ListQuery list, [AsParameters] NotificationRuleListQuery filter, NotificationRuleService service, CancellationToken ct) =>
            (await service.ListAsync(list, filter, ct)).ToListResult())
            .WithSummary("Lists the caller's notification rules (every retailer's for platform admins), filtered, searched on name and target, and ordered.");

        group.MapGet("/{id:guid}", async Task<Results<Ok<NotificationRuleDto>, NotFound>> (Guid id, NotificationRuleService service, CancellationToken ct) =>
            (await service.GetAsync(id, ct)).ToGetResult());

        group.MapPost("/", async Task<Results<Created<NotificationRuleDto>, ValidationProblem, Conflict<ProblemDetails>, ForbidHttpResult>> (
                CreateNotificationRuleRequest request, NotificationRuleService service, CancellationToken ct) =>
            (await service.CreateAsync(request, ct)).ToCreatedResult(r => $"/api/v1/notification-rules/{r.Id}"))
            .RequireAuthorization(Policies.RetailerAdmin);

        group.MapPut("/{id:guid}", async Task<Results<Ok<NotificationRuleDto>, NotFound, ValidationProblem, Conflict<ProblemDetails>>> (
                Guid id, UpdateNotificationRuleRequest request, NotificationRuleService service, CancellationToken ct) =>
            (await service.UpdateAsync(id, request, ct)).ToUpdateResult())
            .RequireAuthorization(Policies.RetailerAdmin);

        group.MapDelete("/{id:guid}", async Task<Results<NoContent, NotFound, Conflict<ProblemDetails>>> (Guid id, NotificationRuleService service, CancellationToken ct) =>
            (await service.DeleteAsync(id, ct)).ToDeleteResult())
            .RequireAuthorization(Policies.RetailerAdmin);

        return group;
    }
}
