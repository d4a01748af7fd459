using System.Net;
using System.Text.Json;

namespace GrocerySync.Hub.Tests.Features;

/// <summary>Reads what the configuration APIs answer: field errors of a 400 and the detail of a problem.</summary>
internal static class ConfigurationApiResponses
{
    /// <summary>Asserts a 400 and returns its field errors, keyed case-insensitively.</summary>
    public static async Task<Dictionary<string, string[]>> ReadFieldErrorsAsync(this HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"Expected 400, got {(int)response.StatusCode}: {body}");
        using var json = JsonDocument.Parse(body);
        var errors = json.RootElement.GetProperty("errors").Deserialize<Dictionary<string, string[]>>()!;
        return new Dictionary<string, string[]>(errors, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>Asserts a problem response with <paramref name="status"/> and returns its detail.</summary>
    public static async Task<string?> ReadProblemDetailAsync(this HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == status, $"Expected {(int)status}, got {(int)response.StatusCode}: {body}");
        using var json = JsonDocument.Parse(body);
        return json.RootElement.TryGetProperty("detail", out var detail) ? detail.GetString() : null;
    }
}
