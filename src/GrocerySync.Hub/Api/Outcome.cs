using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace GrocerySync.Hub.Api;

internal enum OutcomeKind
{
    Ok,
    NotFound,
    Invalid,
    Conflict,
    Forbidden,
}

/// <summary>
/// What a feature service answers: a value, or why there is none. Endpoints map it to HTTP results,
/// and the UI reads it directly, so the rules live in one place.
/// </summary>
internal readonly record struct Outcome<T>(OutcomeKind Kind, T? Value, IDictionary<string, string[]>? Errors, string? Detail)
{
    public static implicit operator Outcome<T>(T value) => new(OutcomeKind.Ok, value, null, null);

    public static implicit operator Outcome<T>(Outcome failure) => new(failure.Kind, default, failure.Errors, failure.Detail);
}

/// <summary>A failure without a value, convertible to any <see cref="Outcome{T}"/>.</summary>
internal readonly record struct Outcome(OutcomeKind Kind, IDictionary<string, string[]>? Errors, string? Detail)
{
    public static Outcome NotFound { get; } = new(OutcomeKind.NotFound, null, null);

    public static Outcome Forbidden { get; } = new(OutcomeKind.Forbidden, null, null);

    public static Outcome Invalid(string field, string message) => new(OutcomeKind.Invalid, new Dictionary<string, string[]> { [field] = [message] }, null);

    public static Outcome Invalid(IDictionary<string, string[]> errors) => new(OutcomeKind.Invalid, errors, null);

    public static Outcome Conflict(string detail) => new(OutcomeKind.Conflict, null, detail);

    /// <summary>The answer for an update that carried a version other than the stored one.</summary>
    public static Outcome StaleVersion { get; } = Conflict("The resource was changed by someone else since you read it. Read it again and reapply your change.");
}

/// <summary>Maps outcomes to the typed results endpoints declare, so OpenAPI lists every answer.</summary>
internal static class OutcomeResults
{
    public static Results<Ok<T>, NotFound> ToGetResult<T>(this Outcome<T> outcome) =>
        outcome.Kind == OutcomeKind.Ok ? TypedResults.Ok(outcome.Value) : TypedResults.NotFound();

    public static Results<Ok<T>, ValidationProblem> ToListResult<T>(this Outcome<T> outcome) =>
        outcome.Kind == OutcomeKind.Ok ? TypedResults.Ok(outcome.Value) : TypedResults.ValidationProblem(outcome.Errors!);

    public static Results<Created<T>, ValidationProblem, Conflict<ProblemDetails>, ForbidHttpResult> ToCreatedResult<T>(this Outcome<T> outcome, Func<T, string> location) =>
        outcome.Kind switch
        {
            OutcomeKind.Ok => TypedResults.Created(location(outcome.Value!), outcome.Value),
            OutcomeKind.Conflict => TypedResults.Conflict(ConflictProblem(outcome.Detail)),
            OutcomeKind.Forbidden => TypedResults.Forbid(),
            _ => TypedResults.ValidationProblem(outcome.Errors ?? new Dictionary<string, string[]>()),
        };

    public static Results<Ok<T>, NotFound, ValidationProblem, Conflict<ProblemDetails>> ToUpdateResult<T>(this Outcome<T> outcome) =>
        outcome.Kind switch
        {
            OutcomeKind.Ok => TypedResults.Ok(outcome.Value),
            OutcomeKind.Conflict => TypedResults.Conflict(ConflictProblem(outcome.Detail)),
            OutcomeKind.Invalid => TypedResults.ValidationProblem(outcome.Errors ?? new Dictionary<string, string[]>()),
            _ => TypedResults.NotFound(),
        };

    public static Results<NoContent, NotFound, Conflict<ProblemDetails>> ToDeleteResult(this Outcome<bool> outcome) =>
        outcome.Kind switch
        {
            OutcomeKind.Ok => TypedResults.NoContent(),
            OutcomeKind.Conflict => TypedResults.Conflict(ConflictProblem(outcome.Detail)),
            _ => TypedResults.NotFound(),
        };

    /// <summary>The problem of a 409, with <paramref name="extensions"/> (such as the id of what is in the way) when given.</summary>
    public static ProblemDetails ConflictProblem(string? detail, Dictionary<string, object?>? extensions = null)
    {
        var problem = new ProblemDetails
        {
            Status = StatusCodes.Status409Conflict,
            Title = "Conflict",
            Detail = detail,
            Type = "https://tools.ietf.org/html/rfc9110#section-15.5.10",
        };
        foreach (var (key, value) in extensions ?? [])
        {
            problem.Extensions[key] = value;
        }

        return problem;
    }
}
