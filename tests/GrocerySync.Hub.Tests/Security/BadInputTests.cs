using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using GrocerySync.Hub.Api;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.ApiExplorer;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.Extensions.DependencyInjection;

namespace GrocerySync.Hub.Tests.Security;

/// <summary>
/// Every endpoint that reads a JSON body or query parameters answers bad input (missing fields, wrong types,
/// over-long strings, unknown enum values, malformed JSON, invalid cron, unknown time zone) with 400 and
/// errors naming the field, never 500. The bad values are derived from the request types, so a new
/// endpoint is covered as soon as it has a valid body in <see cref="RequestBodies"/>.
/// </summary>
public sealed class BadInputTests(HubApps apps)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory, DatabaseData]
    public async Task Malformed_json_wrong_types_and_unknown_enum_values_answer_400_naming_the_field(DatabaseProvider provider) =>
        await SendBadBodiesAsync(provider, BadInput.Malformed, BadInput.WrongType, BadInput.UnknownEnum);

    [Theory, DatabaseData]
    public async Task Missing_required_fields_answer_400_naming_each_field(DatabaseProvider provider) =>
        await SendBadBodiesAsync(provider, BadInput.Missing);

    [Theory, DatabaseData]
    public async Task Over_long_strings_answer_400_naming_the_field(DatabaseProvider provider) =>
        await SendBadBodiesAsync(provider, BadInput.TooLong);

    [Theory, DatabaseData]
    public async Task Invalid_cron_expressions_and_unknown_time_zones_answer_400_naming_the_field(DatabaseProvider provider) =>
        await SendBadBodiesAsync(provider, BadInput.Schedule);

    [Theory, DatabaseData]
    public async Task A_body_that_is_not_json_answers_415(DatabaseProvider provider) =>
        await SendBadBodiesAsync(provider, BadInput.ContentType);

    /// <summary>Sends every bad variant of <paramref name="kinds"/> of every endpoint's valid body, all at once.</summary>
    private async Task SendBadBodiesAsync(DatabaseProvider provider, params BadInput[] kinds)
    {
        var app = await apps.GetAsync(provider);
        var world = await TenantWorld.CreateAsync(app, "bad");
        var failures = new ConcurrentQueue<string>();
        var sent = 0;

        await Task.WhenAll(ApiEndpoint.All(app).Where(e => e.BodyType is not null).Select(async endpoint =>
        {
            try
            {
                var client = CallerFor(app, world, endpoint);
                var url = RouteValues.Url(endpoint, world);
                var valid = JsonNode.Parse((await RequestBodies.CreateAsync(new BodyContext(app, endpoint, url, world, world.RetailerId, TestTenant.Unique($"{world.Marker}-bad"))))!)!.AsObject();
                var mutations = Mutations(endpoint.BodyType!, valid, endpoint.BodyOptional).Where(m => kinds.Contains(m.Kind)).ToList();
                Interlocked.Add(ref sent, mutations.Count);
                await Task.WhenAll(mutations.Select(m => ExpectFieldErrorAsync(client, endpoint, url, m, failures)));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                failures.Enqueue($"{endpoint.Key}: {e.Message}");
            }
        }));

        Assert.True(sent > 0, "No endpoint had a bad input of this kind to send.");
        Assert.True(failures.IsEmpty, $"{failures.Count} of {sent} bad request(s) answered wrongly:\n" + string.Join("\n", failures));
    }

    [Theory, DatabaseData]
    public async Task Bad_query_parameters_answer_400_with_field_errors_never_500(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var world = await TenantWorld.CreateAsync(app, "badq");
        var failures = new ConcurrentQueue<string>();
        var descriptions = app.Services.GetRequiredService<IApiDescriptionGroupCollectionProvider>().ApiDescriptionGroups.Items.SelectMany(g => g.Items).ToList();

        await Task.WhenAll(ApiEndpoint.All(app).Where(e => e.Method == "GET").Select(async endpoint =>
        {
            var description = descriptions.SingleOrDefault(d => d.HttpMethod == endpoint.Method && Normalize(d.RelativePath) == ApiEndpoint.Prefix + endpoint.Route);
            if (description is null)
            {
                failures.Enqueue($"{endpoint.Key}: not in the API explorer (so not in the OpenAPI document either).");
                return;
            }

            var client = CallerFor(app, world, endpoint);
            var url = RouteValues.Url(endpoint, world);
            var query = description.ParameterDescriptions.Where(p => p.Source == BindingSource.Query).ToList();
            var mutations = query.SelectMany(p => BadQueryValues(p.Name, p.Type)).ToList();
            await Task.WhenAll(mutations.Select(m => ExpectFieldErrorAsync(client, endpoint, $"{url}?{m.Field}={Uri.EscapeDataString(m.Value)}",
                new Mutation(BadInput.Query, m.Field, $"query {m.Field}={m.Value}", null), failures)));
        }));

        Assert.True(failures.IsEmpty, $"{failures.Count} bad-query failure(s):\n" + string.Join("\n", failures));
    }

    /// <summary>The least privileged caller that may use the endpoint, on the world's own items.</summary>
    private static HttpClient CallerFor(HubApp app, TenantWorld world, ApiEndpoint endpoint) => ExpectedAccess.For(endpoint) switch
    {
        Access.Anonymous => app.CreateAnonymousClient(),
        Access.PlatformAdmin => app.PlatformAdmin.Client,
        _ => world.Tenant.Admin.Client,
    };

    private enum BadInput
    {
        Malformed,
        WrongType,
        UnknownEnum,
        Missing,
        TooLong,
        Schedule,
        ContentType,
        Query,
    }

    /// <param name="Kind">Which kind of bad input this is.</param>
    /// <param name="Field">The field the error must name.</param>
    /// <param name="What">What was done, for the failure message.</param>
    /// <param name="Body">The raw body, or null for a query-string mutation.</param>
    /// <param name="ContentType">The body's content type.</param>
    private sealed record Mutation(BadInput Kind, string Field, string What, string? Body, string ContentType = "application/json");

    private static IEnumerable<Mutation> Mutations(Type bodyType, JsonObject valid, bool bodyOptional)
    {
        yield return new Mutation(BadInput.Malformed, "$", "malformed JSON", """{"name": "x", """);
        yield return new Mutation(BadInput.Malformed, "$", "a JSON array instead of an object", "[]");
        if (!bodyOptional)
        {
            // An optional body may be left out: empty is valid there.
            yield return new Mutation(BadInput.Malformed, "$", "an empty body", string.Empty);
        }

        foreach (var property in bodyType.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite || p.GetCustomAttribute<RequiredMemberAttribute>() is not null))
        {
            if (property.GetCustomAttribute<JsonIgnoreAttribute>() is not null)
            {
                continue;
            }

            var name = property.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? JsonNamingPolicy.CamelCase.ConvertName(property.Name);
            var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            Mutation With(BadInput kind, string what, JsonNode? value)
            {
                var body = valid.DeepClone().AsObject();
                body[name] = value;
                return new Mutation(kind, name, what, body.ToJsonString());
            }

            if (property.GetCustomAttribute<RequiredAttribute>() is not null || property.GetCustomAttribute<RequiredMemberAttribute>() is not null)
            {
                var body = valid.DeepClone().AsObject();
                body.Remove(name);
                yield return new Mutation(BadInput.Missing, name, $"'{name}' missing", body.ToJsonString());
            }

            if (type == typeof(string))
            {
                var max = property.GetCustomAttribute<StringLengthAttribute>()?.MaximumLength ?? property.GetCustomAttribute<MaxLengthAttribute>()?.Length ?? 100_000;
                yield return With(BadInput.TooLong, $"'{name}' of {max + 1} characters", new string('x', max + 1));
                yield return With(BadInput.WrongType, $"'{name}' a number", 12345);
            }
            else if (type.IsEnum)
            {
                yield return With(BadInput.UnknownEnum, $"'{name}' an unknown enum value", "NoSuchValue");
                yield return With(BadInput.UnknownEnum, $"'{name}' an enum as a number", 1);
            }
            else if (type == typeof(Guid) || type == typeof(int) || type == typeof(long) || type == typeof(bool) || type == typeof(DateTimeOffset) || type == typeof(decimal) || type == typeof(double))
            {
                yield return With(BadInput.WrongType, $"'{name}' a string instead of {type.Name}", "not-a-value");
            }
            else if (!typeof(JsonNode).IsAssignableFrom(type))
            {
                yield return With(BadInput.WrongType, $"'{name}' a number instead of {type.Name}", 12345);
            }

            if (property.GetCustomAttribute<CronAttribute>() is not null || property.Name.Contains("Cron", StringComparison.OrdinalIgnoreCase))
            {
                yield return With(BadInput.Schedule, $"'{name}' an invalid cron expression", "61 25 * * *");
                yield return With(BadInput.Schedule, $"'{name}' a six-field cron expression", "0 30 2 * * *");
            }

            if (property.GetCustomAttribute<IanaTimeZoneAttribute>() is not null || property.Name.Contains("TimeZone", StringComparison.OrdinalIgnoreCase))
            {
                yield return With(BadInput.Schedule, $"'{name}' an unknown time zone", "Mars/Olympus_Mons");
            }
        }

        yield return new Mutation(BadInput.ContentType, "$", "text/plain instead of JSON", valid.ToJsonString(), "text/plain");
    }

    private static IEnumerable<(string Field, string Value)> BadQueryValues(string name, Type? type)
    {
        type = type is null ? null : Nullable.GetUnderlyingType(type) ?? type;
        if (type is null)
        {
            yield break;
        }

        if (type.IsEnum)
        {
            yield return (name, "NoSuchValue");
        }
        else if (type == typeof(int) || type == typeof(long) || type == typeof(Guid) || type == typeof(bool) || type == typeof(DateTimeOffset))
        {
            yield return (name, "not-a-value");
        }

        if (name.Equals("ordering", StringComparison.OrdinalIgnoreCase))
        {
            yield return (name, "noSuchField");
        }
    }

    private static async Task ExpectFieldErrorAsync(HttpClient client, ApiEndpoint endpoint, string url, Mutation mutation, ConcurrentQueue<string> failures)
    {
        using var request = new HttpRequestMessage(new HttpMethod(endpoint.Method), url);
        if (mutation.Body is not null)
        {
            request.Content = new StringContent(mutation.Body, System.Text.Encoding.UTF8, mutation.ContentType);
        }

        using var response = await client.SendAsync(request, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        var what = $"{endpoint.Key} with {mutation.What}";
        var expected = mutation.ContentType == "application/json" ? 400 : 415;
        if (response.Status() != expected)
        {
            failures.Enqueue($"{what}: expected {expected}, got {ApiCalls.Describe("", endpoint.Method, url, response, text)}");
            return;
        }

        if (expected == 415)
        {
            return;
        }

        var errors = ReadErrors(text);
        if (errors is null || errors.Count == 0)
        {
            failures.Enqueue($"{what}: 400 without field errors: {ApiCalls.Truncate(text)}");
        }
        else if (mutation.Field != "$" && !errors.Any(e => NamesField(e.Key, e.Value, mutation.Field)))
        {
            failures.Enqueue($"{what}: the errors do not name '{mutation.Field}': {ApiCalls.Truncate(text)}");
        }
    }

    // An error names the field when its key is the field ("name", "Name", "$.name", "request.name"), or, for
    // a missing required member reported on the whole body, when its message names it.
    private static bool NamesField(string key, string[] messages, string field)
    {
        var bare = key.StartsWith("$.", StringComparison.Ordinal) ? key[2..] : key;
        bare = bare.Split('[')[0];
        return bare.Equals(field, StringComparison.OrdinalIgnoreCase)
            || bare.EndsWith("." + field, StringComparison.OrdinalIgnoreCase)
            || (key == "$" && messages.Any(m => System.Text.RegularExpressions.Regex.IsMatch(m, $@"\b{field}\b", System.Text.RegularExpressions.RegexOptions.IgnoreCase)));
    }

    private static Dictionary<string, string[]>? ReadErrors(string text)
    {
        try
        {
            using var json = JsonDocument.Parse(text);
            return json.RootElement.TryGetProperty("errors", out var errors) ? errors.Deserialize<Dictionary<string, string[]>>() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Normalize(string? relativePath) =>
        "/" + System.Text.RegularExpressions.Regex.Replace((relativePath ?? string.Empty).TrimEnd('/'), @"\{([^}:?]+)[^}]*\}", "{$1}");
}
