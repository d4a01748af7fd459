using System.Text.Json;
using GrocerySync.Plugins.Abstractions;

namespace GrocerySync.Plugins.Sql;

/// <summary>The SQL source's settings, parsed once per run.</summary>
internal sealed record SqlSourceOptions(
    SqlProvider Provider,
    string ConnectionString,
    string Query,
    IReadOnlyList<KeyValuePair<string, object?>> Parameters,
    int CommandTimeoutSeconds,
    int BatchSize)
{
    public static SqlSourceOptions From(PluginSettings settings)
    {
        var provider = SqlProviders.Get(settings.GetRequiredString("provider"));
        var timeout = settings.GetInt64("commandTimeoutSeconds", 600);
        if (timeout is < 0 or > int.MaxValue)
        {
            throw new PluginException("Setting 'commandTimeoutSeconds' must be 0 (no limit) or a positive number of seconds.");
        }

        var batchSize = settings.GetInt64("batchSize", 4096);
        if (batchSize is < 1 or > 1_000_000)
        {
            throw new PluginException("Setting 'batchSize' must be between 1 and 1000000.");
        }

        return new SqlSourceOptions(
            provider,
            settings.GetRequiredString("connectionString"),
            settings.GetRequiredString("query"),
            ParseParameters(settings.GetString("parameters")),
            (int)timeout,
            (int)batchSize);
    }

    internal static IReadOnlyList<KeyValuePair<string, object?>> ParseParameters(string json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return [];
        }

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json);
        }
        catch (JsonException ex)
        {
            throw new PluginException($"Setting 'parameters' is not valid JSON: {ex.Message}");
        }

        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new PluginException("Setting 'parameters' must be a JSON object such as {\"store\": 12}.");
            }

            var list = new List<KeyValuePair<string, object?>>();
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                var name = p.Name.TrimStart('@', ':', '$');
                if (name.Length == 0 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
                {
                    throw new PluginException($"Query parameter name '{p.Name}' must consist of letters, digits and '_'.");
                }

                object? value = p.Value.ValueKind switch
                {
                    JsonValueKind.String => p.Value.GetString(),
                    JsonValueKind.Number when p.Value.TryGetInt64(out var l) => l,
                    JsonValueKind.Number => p.Value.GetDecimal(),
                    JsonValueKind.True => true,
                    JsonValueKind.False => false,
                    JsonValueKind.Null => null,
                    _ => throw new PluginException($"Query parameter '{p.Name}' must be a string, number, boolean or null."),
                };
                list.Add(new(name, value));
            }

            return list;
        }
    }
}
