using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using GrocerySync.Plugins.Abstractions;

namespace GrocerySync.Sync;

/// <summary>
/// Reads a job spec (JSON, see docs/sync-spec.md) into a <see cref="SyncJob"/>. <c>${NAME}</c> in any string is
/// replaced by the environment variable NAME (how secrets stay out of spec files). Every problem is reported at once.
/// </summary>
public static partial class JobSpecReader
{
    private static readonly string[] TopLevel =
        ["job", "mode", "stateFolder", "currency", "key", "source", "mapping", "attributes", "filters", "adapter", "destination", "guardRail", "maxRejectShare", "$schema", "description"];

    /// <summary>Reads a spec file; relative paths in it resolve against the file's folder.</summary>
    /// <exception cref="SyncConfigurationException">The file is missing or the spec is invalid.</exception>
    public static async Task<SyncJob> ReadFileAsync(string path, Func<string, string?>? environment = null, CancellationToken cancellationToken = default)
    {
        string json;
        try
        {
            json = await File.ReadAllTextAsync(path, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new SyncConfigurationException($"Cannot read the job spec '{path}': {ex.Message}", ex);
        }

        return Parse(json, Path.GetDirectoryName(Path.GetFullPath(path))!, environment);
    }

    /// <summary>Parses a spec.</summary>
    /// <exception cref="SyncConfigurationException">The spec is invalid; the message lists every problem.</exception>
    public static SyncJob Parse(string json, string baseDirectory, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException ex)
        {
            throw new SyncConfigurationException($"The job spec is not valid JSON: {ex.Message}", ex);
        }

        using var _ = doc;
        var errors = new List<string>();
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new SyncConfigurationException("The job spec must be a JSON object.");
        }

        foreach (var p in root.EnumerateObject())
        {
            if (!TopLevel.Contains(p.Name, StringComparer.Ordinal))
            {
                errors.Add($"unknown property '{p.Name}' (known: {string.Join(", ", TopLevel.Where(t => t[0] != '$'))})");
            }
        }

        string? Str(JsonElement parent, string name, string path)
        {
            if (!parent.TryGetProperty(name, out var e) || e.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            if (e.ValueKind != JsonValueKind.String)
            {
                errors.Add($"'{path}' must be a string");
                return null;
            }

            return Substitute(e.GetString()!, path, environment, errors);
        }

        double? Share(JsonElement parent, string name, string path)
        {
            if (!parent.TryGetProperty(name, out var e) || e.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            if (e.ValueKind != JsonValueKind.Number || !e.TryGetDouble(out var d) || d is < 0 or > 1)
            {
                errors.Add($"'{path}' must be a number between 0 and 1 (0.3 = 30%)");
                return null;
            }

            return d;
        }

        PluginReference? Plugin(string name)
        {
            if (!root.TryGetProperty(name, out var e) || e.ValueKind != JsonValueKind.Object)
            {
                errors.Add($"'{name}' is required: {{ \"plugin\": \"<id>\", \"settings\": {{ … }} }}");
                return null;
            }

            var id = Str(e, "plugin", $"{name}.plugin");
            if (string.IsNullOrWhiteSpace(id))
            {
                errors.Add($"'{name}.plugin' is required");
                return null;
            }

            foreach (var p in e.EnumerateObject())
            {
                if (p.Name is not ("plugin" or "settings"))
                {
                    errors.Add($"unknown property '{name}.{p.Name}' (known: plugin, settings)");
                }
            }

            var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            if (e.TryGetProperty("settings", out var s))
            {
                if (s.ValueKind != JsonValueKind.Object)
                {
                    errors.Add($"'{name}.settings' must be an object");
                }
                else
                {
                    foreach (var p in s.EnumerateObject())
                    {
                        settings[p.Name] = p.Value.ValueKind switch
                        {
                            JsonValueKind.String => Substitute(p.Value.GetString()!, $"{name}.settings.{p.Name}", environment, errors),
                            JsonValueKind.Number => p.Value.GetRawText(),
                            JsonValueKind.True => "true",
                            JsonValueKind.False => "false",
                            JsonValueKind.Null => null,
                            _ => Invalid($"'{name}.settings.{p.Name}' must be a string, number or boolean"),
                        };
                    }
                }
            }

            return new PluginReference(id, settings);
        }

        string? Invalid(string message)
        {
            errors.Add(message);
            return null;
        }

        Dictionary<string, string> StringMap(string name)
        {
            var map = new Dictionary<string, string>(StringComparer.Ordinal);
            if (root.TryGetProperty(name, out var m) && m.ValueKind != JsonValueKind.Null)
            {
                if (m.ValueKind != JsonValueKind.Object)
                {
                    errors.Add($"'{name}' must be an object of name to column");
                    return map;
                }

                foreach (var p in m.EnumerateObject())
                {
                    if (p.Value.ValueKind != JsonValueKind.String)
                    {
                        errors.Add($"'{name}.{p.Name}' must be a column name (string)");
                        continue;
                    }

                    map[p.Name] = Substitute(p.Value.GetString()!, $"{name}.{p.Name}", environment, errors);
                }
            }

            return map;
        }

        var jobId = Str(root, "job", "job");
        if (string.IsNullOrWhiteSpace(jobId) || !JobIdPattern().IsMatch(jobId))
        {
            errors.Add("'job' is required: an id of letters, digits, '-' and '_' (it names the state files)");
        }

        var mode = SyncMode.Delta;
        switch (Str(root, "mode", "mode")?.ToLowerInvariant())
        {
            case null or "delta":
                break;
            case "full":
                mode = SyncMode.Full;
                break;
            case var other:
                errors.Add($"'mode' must be delta or full, not '{other}'");
                break;
        }

        var key = RecordKeyKind.Sku;
        switch (Str(root, "key", "key")?.ToLowerInvariant())
        {
            case null or "sku":
                break;
            case "sku+store":
                key = RecordKeyKind.SkuAndStore;
                break;
            case var other:
                errors.Add($"'key' must be sku or sku+store, not '{other}'");
                break;
        }

        var stateFolder = Str(root, "stateFolder", "stateFolder");
        if (string.IsNullOrWhiteSpace(stateFolder))
        {
            errors.Add("'stateFolder' is required: the folder that keeps the job's delta state");
        }

        var source = Plugin("source");
        var adapter = Plugin("adapter");
        var destination = Plugin("destination");

        var fields = new Dictionary<CanonicalField, string>();
        foreach (var (name, column) in StringMap("mapping"))
        {
            if (!CanonicalFields.TryParse(name, out var f))
            {
                errors.Add($"'mapping.{name}' is not a canonical field (fields: {string.Join(", ", CanonicalFields.All.Select(CanonicalFields.GetName))})");
            }
            else if (!fields.TryAdd(f, column))
            {
                errors.Add($"'mapping.{name}' maps {CanonicalFields.GetName(f)} twice");
            }
        }

        var attributes = StringMap("attributes").ToList();

        var filters = new RecordFilterOptions();
        if (root.TryGetProperty("filters", out var fe) && fe.ValueKind == JsonValueKind.Object)
        {
            List<string> List(string name)
            {
                if (!fe.TryGetProperty(name, out var a) || a.ValueKind == JsonValueKind.Null)
                {
                    return [];
                }

                if (a.ValueKind != JsonValueKind.Array || a.EnumerateArray().Any(x => x.ValueKind != JsonValueKind.String))
                {
                    errors.Add($"'filters.{name}' must be an array of strings");
                    return [];
                }

                return [.. a.EnumerateArray().Select(x => x.GetString()!)];
            }

            foreach (var p in fe.EnumerateObject())
            {
                if (p.Name is not ("departments" or "categories" or "stores" or "activeOnly" or "changedSince"))
                {
                    errors.Add($"unknown property 'filters.{p.Name}' (known: departments, categories, stores, activeOnly, changedSince)");
                }
            }

            var activeOnly = fe.TryGetProperty("activeOnly", out var ao) && ao.ValueKind == JsonValueKind.True;
            if (fe.TryGetProperty("activeOnly", out ao) && ao.ValueKind is not (JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null))
            {
                errors.Add("'filters.activeOnly' must be true or false");
            }

            DateTimeOffset? since = null;
            var sinceLastRun = false;
            var sinceText = Str(fe, "changedSince", "filters.changedSince");
            if (string.Equals(sinceText, "lastRun", StringComparison.OrdinalIgnoreCase))
            {
                sinceLastRun = true;
            }
            else if (sinceText is not null)
            {
                if (DateTimeOffset.TryParse(sinceText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
                {
                    since = at;
                }
                else
                {
                    errors.Add($"'filters.changedSince' must be an ISO 8601 date-time or \"lastRun\", not '{sinceText}'");
                }
            }

            filters = new RecordFilterOptions
            {
                Departments = List("departments"),
                Categories = List("categories"),
                Stores = List("stores"),
                ActiveOnly = activeOnly,
                ChangedSince = since,
                ChangedSinceLastRun = sinceLastRun,
            };
        }
        else if (root.TryGetProperty("filters", out fe) && fe.ValueKind != JsonValueKind.Null)
        {
            errors.Add("'filters' must be an object");
        }

        double? maxChange = null;
        if (root.TryGetProperty("guardRail", out var gr) && gr.ValueKind == JsonValueKind.Object)
        {
            maxChange = Share(gr, "maxChangeShare", "guardRail.maxChangeShare");
            foreach (var p in gr.EnumerateObject())
            {
                if (p.Name != "maxChangeShare")
                {
                    errors.Add($"unknown property 'guardRail.{p.Name}' (known: maxChangeShare)");
                }
            }
        }

        var maxReject = Share(root, "maxRejectShare", "maxRejectShare");
        var currency = Str(root, "currency", "currency") ?? "USD";
        if (currency.Length != 3 || !currency.All(char.IsAsciiLetter))
        {
            errors.Add($"'currency' must be an ISO 4217 code such as USD, not '{currency}'");
        }

        if (errors.Count > 0)
        {
            throw new SyncConfigurationException("The job spec is invalid:" + string.Concat(errors.Select(e => Environment.NewLine + "  - " + e)));
        }

        return new SyncJob(jobId!, source!, adapter!, destination!, Path.GetFullPath(stateFolder!, baseDirectory))
        {
            Mode = mode,
            Key = key,
            Mapping = new FieldMapping(fields, attributes),
            Filters = filters,
            Currency = currency.ToUpperInvariant(),
            MaxChangeShare = maxChange ?? 0.30,
            MaxRejectShare = maxReject ?? 0.05,
            BaseDirectory = baseDirectory,
        };
    }

    private static string Substitute(string value, string path, Func<string, string?> environment, List<string> errors) =>
        VariablePattern().Replace(value, m =>
        {
            var v = environment(m.Groups[1].Value);
            if (v is null)
            {
                errors.Add($"'{path}' refers to environment variable {m.Groups[1].Value}, which is not set");
                return string.Empty;
            }

            return v;
        });

    [GeneratedRegex(@"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")]
    private static partial Regex VariablePattern();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$")]
    private static partial Regex JobIdPattern();
}
