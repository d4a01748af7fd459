using System.Text.Json;
using System.Text.Json.Nodes;
using GrocerySync.Hub.Data.Configurations;

namespace GrocerySync.Hub.Api;

/// <summary>Plugin settings and filters travel as JSON objects and are stored as JSON text.</summary>
internal static class JsonSettings
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    public static JsonObject Parse(string json) => JsonNode.Parse(json) as JsonObject ?? [];

    public static string Serialize(JsonObject? settings) => settings?.ToJsonString() ?? "{}";

    public static T Deserialize<T>(string json)
        where T : new() => JsonSerializer.Deserialize<T>(json, Web) ?? new T();

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Web);

    /// <summary>Adds an error when the serialized settings exceed what the column holds.</summary>
    public static void CheckSize(string field, string json, IDictionary<string, string[]> errors)
    {
        if (json.Length > Lengths.Settings)
        {
            errors[field] = [$"Must be at most {Lengths.Settings} characters of JSON."];
        }
    }
}
