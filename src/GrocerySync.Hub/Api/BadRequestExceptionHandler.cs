using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Diagnostics;

namespace GrocerySync.Hub.Api;

/// <summary>
/// Turns request-binding failures (malformed JSON, a string where a number belongs, an unknown enum
/// value, a bad query parameter) into a 400 validation problem naming the field, instead of a bare 400.
/// </summary>
internal sealed partial class BadRequestExceptionHandler(IProblemDetailsService problemDetails) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException badRequest)
        {
            return false;
        }

        var errors = badRequest.InnerException is JsonException json
            ? JsonErrors(json)
            : new Dictionary<string, string[]> { [ParameterName(badRequest.Message)] = [badRequest.Message] };

        httpContext.Response.StatusCode = badRequest.StatusCode;
        var problem = new HttpValidationProblemDetails(errors)
        {
            Status = badRequest.StatusCode,
            Title = badRequest.StatusCode == StatusCodes.Status400BadRequest ? "The request is invalid." : "The request could not be processed.",
        };
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = problem,
            Exception = exception,
        });
    }

    private static Dictionary<string, string[]> JsonErrors(JsonException json)
    {
        // A member declared `required` that the body lacks: System.Text.Json names them all in one message.
        var missing = MissingRequired().Match(json.Message);
        if (missing.Success)
        {
            return QuotedName().Matches(missing.Groups["names"].Value)
                .ToDictionary(m => m.Groups["name"].Value, _ => RequiredMessage);
        }

        return new Dictionary<string, string[]> { [FieldName(json.Path)] = [JsonMessage(json)] };
    }

    private static readonly string[] RequiredMessage = ["This field is required."];

    [GeneratedRegex("missing required properties including: (?<names>.*)$", RegexOptions.Multiline)]
    private static partial Regex MissingRequired();

    [GeneratedRegex("'(?<name>[^']+)'")]
    private static partial Regex QuotedName();

    // "$.filters.departments[0]" → "filters.departments[0]"; the root stays "$".
    private static string FieldName(string? path) =>
        string.IsNullOrEmpty(path) || path == "$" ? "$" : path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path;

    // "Failed to bind parameter \"int? Page\" from \"abc\"." → "page"
    private static string ParameterName(string message)
    {
        var match = BindFailure().Match(message);
        return match.Success ? JsonNamingPolicy.CamelCase.ConvertName(match.Groups["name"].Value) : "$";
    }

    [GeneratedRegex("""parameter "(?:[^"]* )?(?<name>[A-Za-z_][A-Za-z0-9_]*)"(?: from)?""")]
    private static partial Regex BindFailure();

    private static string JsonMessage(JsonException json) =>
        json.Path is null or "$" && json.LineNumber is not null
            ? $"The body is not valid JSON (line {json.LineNumber + 1}, position {json.BytePositionInLine + 1})."
            : "The value has the wrong type or is not one of the allowed values.";
}
