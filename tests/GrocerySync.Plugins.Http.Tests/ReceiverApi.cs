using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GrocerySync.Plugins.Http.Tests;

/// <summary>What the receiver does with one attempt of a request.</summary>
internal enum Fault
{
    /// <summary>Answer 500 without applying the batch.</summary>
    ServerError,

    /// <summary>Apply the batch, then answer 500 as if the response got lost: only the idempotency key prevents a double apply.</summary>
    ApplyThenServerError,

    /// <summary>Answer 429 with <c>Retry-After: 1</c>.</summary>
    Throttle,

    /// <summary>Answer 429 with <c>Retry-After: 3600</c>.</summary>
    ThrottleForAnHour,

    /// <summary>Answer nothing for 10 seconds.</summary>
    Hang,

    /// <summary>Answer 400 with a problem text.</summary>
    BadRequest,
}

/// <summary>
/// A real Kestrel server on loopback that implements the HTTP destination's receiver contract: batches are
/// staged per run and applied once per idempotency key; the commit call publishes a run; abort drops it.
/// Faults can be planned per idempotency key, attempt by attempt.
/// </summary>
internal sealed class ReceiverApi : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, ConcurrentQueue<Fault>> _plans = new();
    private readonly ConcurrentDictionary<string, byte> _applied = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    private ReceiverApi(WebApplication app) => _app = app;

    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>Every attempt seen: path, idempotency key, headers of interest, when.</summary>
    public ConcurrentQueue<Attempt> Attempts { get; } = new();

    /// <summary>Records staged per run (not visible to the channel).</summary>
    public ConcurrentDictionary<string, List<JsonElement>> Staged { get; } = new();

    /// <summary>Records published per run (visible to the channel).</summary>
    public ConcurrentDictionary<string, List<JsonElement>> Published { get; } = new();

    /// <summary>How many times each idempotency key was applied.</summary>
    public ConcurrentDictionary<string, int> ApplyCount { get; } = new();

    public ConcurrentQueue<string> Aborted { get; } = new();

    public sealed record Attempt(string Path, string? Key, string? Authorization, string? ContentType, string Body, TimeSpan At);

    public static async Task<ReceiverApi> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(["--urls", "http://127.0.0.1:0"]);
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var api = new ReceiverApi(app);
        api.Map();
        await app.StartAsync(TestContext.Current.CancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        api.BaseUrl = new Uri(address + "/");
        return api;
    }

    public Uri Url(string path) => new(BaseUrl, path);

    /// <summary>Plans faults for the next attempts that carry <paramref name="key"/>, in order; later attempts succeed.</summary>
    public void Plan(string key, params Fault[] faults) => _plans[key] = new ConcurrentQueue<Fault>(faults);

    public Attempt[] AttemptsFor(string key) => [.. Attempts.Where(a => a.Key == key)];

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }

    private void Map()
    {
        _app.MapPost("/batches", async (HttpContext http) =>
        {
            var (key, body) = await Record(http);
            if (key is null)
            {
                return Results.BadRequest("Idempotency-Key is required");
            }

            var fault = NextFault(key);
            switch (fault)
            {
                case Fault.ServerError:
                    return Results.StatusCode(500);
                case Fault.Throttle:
                    http.Response.Headers.RetryAfter = "1";
                    return Results.StatusCode(429);
                case Fault.ThrottleForAnHour:
                    http.Response.Headers.RetryAfter = "3600";
                    return Results.StatusCode(429);
                case Fault.Hang:
                    await Task.Delay(TimeSpan.FromSeconds(10), http.RequestAborted);
                    return Results.StatusCode(500);
                case Fault.BadRequest:
                    return Results.BadRequest("records[0].price: must be a number");
            }

            var duplicate = !Apply(key, body, http.Request.ContentType);
            return fault == Fault.ApplyThenServerError ? Results.StatusCode(500) : Results.Ok(new { duplicate });
        });

        _app.MapPost("/commit", async (HttpContext http) =>
        {
            var (key, body) = await Record(http);
            var run = JsonDocument.Parse(body).RootElement.GetProperty("runId").GetString()!;
            if (key is not null && _applied.TryAdd(key, 0))
            {
                Published[run] = Staged.TryRemove(run, out var records) ? records : [];
            }

            return Results.Ok();
        });

        _app.MapPost("/abort", async (HttpContext http) =>
        {
            var (_, body) = await Record(http);
            var run = JsonDocument.Parse(body).RootElement.GetProperty("runId").GetString()!;
            Staged.TryRemove(run, out _);
            Aborted.Enqueue(run);
            return Results.Ok();
        });

        _app.MapGet("/health", () => Results.Ok("healthy"));
        _app.MapGet("/health-locked", () => Results.StatusCode(401));
    }

    private async Task<(string? Key, string Body)> Record(HttpContext http)
    {
        using var reader = new StreamReader(http.Request.Body);
        var body = await reader.ReadToEndAsync(http.RequestAborted);
        var key = http.Request.Headers["Idempotency-Key"].FirstOrDefault();
        Attempts.Enqueue(new Attempt(http.Request.Path, key, http.Request.Headers.Authorization.FirstOrDefault(), http.Request.ContentType, body, _clock.Elapsed));
        return (key, body);
    }

    private Fault? NextFault(string key) =>
        _plans.TryGetValue(key, out var plan) && plan.TryDequeue(out var fault) ? fault : null;

    /// <summary>Stages the batch once per key; returns false for a duplicate.</summary>
    private bool Apply(string key, string body, string? contentType)
    {
        if (!_applied.TryAdd(key, 0))
        {
            return false;
        }

        ApplyCount.AddOrUpdate(key, 1, (_, n) => n + 1);
        var run = key.Split(':')[0];
        var list = Staged.GetOrAdd(run, _ => []);
        lock (list)
        {
            if (contentType?.StartsWith("application/json", StringComparison.Ordinal) == true)
            {
                foreach (var r in JsonDocument.Parse(body).RootElement.GetProperty("records").EnumerateArray())
                {
                    list.Add(r.Clone());
                }
            }
            else
            {
                list.Add(JsonSerializer.SerializeToElement(body));
            }
        }

        return true;
    }
}
