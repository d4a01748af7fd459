using System.Text.Json;

namespace GrocerySync.Hub.Api;

/// <summary>
/// Field errors name fields as the JSON body spells them (<c>cronExpression</c>, <c>filters.departments[0]</c>),
/// whether they come from validation attributes (which report C# member names) or from the services.
/// </summary>
internal static class ProblemDetailsNaming
{
    public static void CamelCaseFieldErrors(ProblemDetailsContext context)
    {
        if (context.ProblemDetails is not HttpValidationProblemDetails validation || validation.Errors.Count == 0)
        {
            return;
        }

        var renamed = validation.Errors.ToDictionary(e => CamelCase(e.Key), e => e.Value, StringComparer.Ordinal);
        validation.Errors.Clear();
        foreach (var (key, messages) in renamed)
        {
            validation.Errors[key] = messages;
        }
    }

    public static string CamelCase(string key) =>
        string.Join('.', key.Split('.').Select(segment => segment.Length > 0 && segment != "$" ? JsonNamingPolicy.CamelCase.ConvertName(segment) : segment));
}
