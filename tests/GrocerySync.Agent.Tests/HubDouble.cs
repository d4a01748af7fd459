using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Channels;
using GrocerySync.Contracts.Agents;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace GrocerySync.Agent.Tests;

/// <summary>
/// A test double of the hub's agent protocol on a real Kestrel port, written from the contract alone: enrollment
/// tokens, key check and revocation, heartbeats with cancels, a work long-poll, exactly-once events and logs by outbox
/// sequence, connection tests with their results, plugin downloads. It records what it receives and can be stopped and
/// started again on the same port (the hub down), lose answers after applying a batch, or answer 503.
/// </summary>
internal sealed class HubDouble : IAsyncDisposable
{
    public const string RevokedDetail = "The agent's API key was revoked by an administrator.";

    private readonly Lock _lock = new();
    private readonly Dictionary<Guid, long> _eventHighWater = [];
    private readonly Dictionary<Guid, long> _logHighWater = [];
    private readonly Channel<RunSpec> _work = Channel.CreateUnbounded<RunSpec>();
    private readonly Channel<ConnectionTestSpec> _tests = Channel.CreateUnbounded<ConnectionTestSpec>();
    private readonly bool _tls;
    private WebApplication? _app;
    private X509Certificate2? _certificate;

    private HubDouble(bool tls) => _tls = tls;

    public int Port { get; private set; }

    public Uri Url => new($"{(_tls ? "https" : "http")}://127.0.0.1:{Port}/");

    public Guid AgentId { get; } = Guid.NewGuid();

    public Guid RetailerId { get; } = Guid.NewGuid();

    public string? IssuedKey { get; private set; }

    public int HeartbeatIntervalSeconds { get; set; } = 1;

    public bool Revoked { get; set; }

    /// <summary>Answer every agent call with 503 (the hub up but failing).</summary>
    public bool Failing { get; set; }

    /// <summary>The next N event batches are applied, then the connection is dropped before the answer.</summary>
    public int LoseNextEventAnswers;

    /// <summary>The next N log batches are applied, then the connection is dropped before the answer.</summary>
    public int LoseNextLogAnswers;

    /// <summary>The next N connection test results are answered with 503.</summary>
    public int FailNextTestReports;

    /// <summary>Connection test results received (refused ones included).</summary>
    public int TestReportAttempts;

    public ConcurrentDictionary<string, string> Tokens { get; } = new();

    public ConcurrentQueue<HeartbeatRequest> Heartbeats { get; } = new();

    public ConcurrentQueue<Guid> CancelOnNextHeartbeat { get; } = new();

    public ConcurrentQueue<int> MaxRunsAsked { get; } = new();

    /// <summary>Answers a tests-only poll (maxRuns=0) with 400, as a hub older than that poll does.</summary>
    public bool RefuseTestsOnlyPolls { get; set; }

    public List<RunEvent> AppliedEvents { get; } = [];

    public List<AgentLogLine> AppliedLogs { get; } = [];

    public List<Guid> EventOutboxIds { get; } = [];

    public int ResentEventsIgnored { get; private set; }

    public int ResentLogsIgnored { get; private set; }

    public long DroppedLinesReported { get; private set; }

    /// <summary>The first result of each connection test, by test id.</summary>
    public ConcurrentDictionary<Guid, ConnectionTestReport> TestReports { get; } = new();

    public ConcurrentDictionary<string, byte[]> Packages { get; } = new();

    public ConcurrentDictionary<string, int> Downloads { get; } = new();

    public static async Task<HubDouble> StartAsync(bool tls = false)
    {
        var hub = new HubDouble(tls);
        await hub.StartAsync();
        return hub;
    }

    public string NewToken(string state = "valid")
    {
        var token = "gset_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        Tokens[token] = state;
        return token;
    }

    public void Dispatch(RunSpec spec) => _work.Writer.TryWrite(spec);

    public void Dispatch(ConnectionTestSpec test) => _tests.Writer.TryWrite(test);

    public RunEvent[] Events()
    {
        lock (_lock)
        {
            return [.. AppliedEvents];
        }
    }

    public AgentLogLine[] Logs()
    {
        lock (_lock)
        {
            return [.. AppliedLogs];
        }
    }

    public RunEvent[] EventsOf(Guid runId) => [.. Events().Where(e => e.RunId == runId)];

    public RunEvent? FinishedOf(Guid runId) => EventsOf(runId).SingleOrDefault(e => e.Kind == RunEventKind.Finished);

    /// <summary>Starts (again) on the same port.</summary>
    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, Port, listen =>
        {
            if (_tls)
            {
                _certificate ??= SelfSigned();
                listen.UseHttps(_certificate);
            }
        }));
        var app = builder.Build();
        Map(app);
        await app.StartAsync();
        Port = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()).Port;
        _app = app;
    }

    /// <summary>Stops listening: connections are refused until <see cref="StartAsync()"/>.</summary>
    public async Task StopAsync()
    {
        if (_app is { } app)
        {
            _app = null;
            await app.StopAsync(TimeSpan.FromSeconds(1));
            await app.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _certificate?.Dispose();
    }

    private static X509Certificate2 SelfSigned()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pfx), null);
    }

    private void Map(WebApplication app)
    {
        app.Use(async (ctx, next) =>
        {
            if (Failing)
            {
                ctx.Response.StatusCode = 503;
                return;
            }

            await next(ctx);
        });

        app.MapPost("/" + AgentRoutes.Enroll, (EnrollRequest request) =>
        {
            if (!Tokens.TryGetValue(request.Token, out var state))
            {
                return Results.Problem(statusCode: 404, detail: "No such enrollment token.");
            }

            switch (state)
            {
                case "expired":
                    return Results.Problem(statusCode: 410, detail: "The enrollment token has expired.");
                case "used":
                    return Results.Problem(statusCode: 409, detail: "The enrollment token was already used.");
            }

            Tokens[request.Token] = "used";
            IssuedKey = $"gsa_{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}_{Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).Replace('+', 'x').Replace('/', 'y').TrimEnd('=')}";
            return Results.Ok(new EnrollResponse(AgentId, RetailerId, "store-42", IssuedKey, HeartbeatIntervalSeconds));
        });

        app.MapPost("/" + AgentRoutes.Heartbeat, (HttpContext ctx, HeartbeatRequest request) =>
        {
            if (Unauthorized(ctx) is { } denied)
            {
                return denied;
            }

            Heartbeats.Enqueue(request);
            var cancels = new List<Guid>();
            while (CancelOnNextHeartbeat.TryDequeue(out var id))
            {
                cancels.Add(id);
            }

            return Results.Ok(new HeartbeatResponse(HeartbeatIntervalSeconds, DateTimeOffset.UtcNow, cancels, false, "1.0.0"));
        });

        app.MapGet("/" + AgentRoutes.Work, async (HttpContext ctx, int waitSeconds, int? maxRuns) =>
        {
            if (Unauthorized(ctx) is { } denied)
            {
                return denied;
            }

            if (maxRuns is { } m)
            {
                MaxRunsAsked.Enqueue(m);
            }

            if (maxRuns == 0 && RefuseTestsOnlyPolls)
            {
                return Results.ValidationProblem(new Dictionary<string, string[]> { [AgentRoutes.MaxRunsQuery] = ["Ask for at least one run."] });
            }

            using var wait = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted);
            wait.CancelAfter(TimeSpan.FromSeconds(Math.Min(waitSeconds, AgentRoutes.MaxWaitSeconds)));
            await Task.WhenAny(maxRuns == 0 ? Task.Delay(Timeout.Infinite, wait.Token) : _work.Reader.WaitToReadAsync(wait.Token).AsTask(), _tests.Reader.WaitToReadAsync(wait.Token).AsTask());
            await wait.CancelAsync(); // Ends the other wait.

            // Everything queued, whatever a positive maxRuns says: the agent must queue what it cannot start yet. An
            // agent with no free slot (maxRuns=0) gets connection tests only, as from the hub.
            var runs = new List<RunSpec>();
            while (maxRuns != 0 && _work.Reader.TryRead(out var spec))
            {
                runs.Add(spec);
            }

            var tests = new List<ConnectionTestSpec>();
            while (_tests.Reader.TryRead(out var test))
            {
                tests.Add(test);
            }

            return runs.Count == 0 && tests.Count == 0 ? Results.NoContent() : Results.Ok(new WorkResponse(runs) { ConnectionTests = tests });
        });

        app.MapPost("/" + AgentRoutes.ConnectionTests + "/{id:guid}/result", (HttpContext ctx, Guid id, ConnectionTestReport report) =>
        {
            if (Unauthorized(ctx) is { } denied)
            {
                return denied;
            }

            Interlocked.Increment(ref TestReportAttempts);
            if (Interlocked.Decrement(ref FailNextTestReports) >= 0)
            {
                return Results.StatusCode(503);
            }

            return Results.Ok(new ConnectionTestAcknowledgement(TestReports.TryAdd(id, report)));
        });

        app.MapPost("/" + AgentRoutes.Events, (HttpContext ctx, EventBatch batch) =>
        {
            if (Unauthorized(ctx) is { } denied)
            {
                return denied;
            }

            long ack;
            lock (_lock)
            {
                var high = _eventHighWater.GetValueOrDefault(batch.OutboxId);
                if (!EventOutboxIds.Contains(batch.OutboxId))
                {
                    EventOutboxIds.Add(batch.OutboxId);
                }

                foreach (var e in batch.Events)
                {
                    if (e.Sequence > high)
                    {
                        AppliedEvents.Add(e);
                        high = e.Sequence;
                    }
                    else
                    {
                        ResentEventsIgnored++;
                    }
                }

                _eventHighWater[batch.OutboxId] = high;
                ack = high;
            }

            if (Interlocked.Decrement(ref LoseNextEventAnswers) >= 0)
            {
                ctx.Abort();
                return Results.Empty;
            }

            return Results.Ok(new BatchAcknowledgement(ack, []));
        });

        app.MapPost("/" + AgentRoutes.Logs, (HttpContext ctx, LogBatch batch) =>
        {
            if (Unauthorized(ctx) is { } denied)
            {
                return denied;
            }

            long ack;
            lock (_lock)
            {
                var high = _logHighWater.GetValueOrDefault(batch.OutboxId);
                var applied = 0;
                foreach (var l in batch.Lines)
                {
                    if (l.Sequence > high)
                    {
                        AppliedLogs.Add(l);
                        high = l.Sequence;
                        applied++;
                    }
                    else
                    {
                        ResentLogsIgnored++;
                    }
                }

                // Dropped lines count with the batch that carried new lines, once.
                if (applied > 0)
                {
                    DroppedLinesReported += batch.DroppedLines;
                }

                _logHighWater[batch.OutboxId] = high;
                ack = high;
            }

            if (Interlocked.Decrement(ref LoseNextLogAnswers) >= 0)
            {
                ctx.Abort();
                return Results.Empty;
            }

            return Results.Ok(new BatchAcknowledgement(ack, []));
        });

        app.MapGet("/" + AgentRoutes.Plugins + "/{id}/{version}", (HttpContext ctx, string id, string version) =>
        {
            if (Unauthorized(ctx) is { } denied)
            {
                return denied;
            }

            Downloads.AddOrUpdate($"{id}/{version}", 1, (_, n) => n + 1);
            return Packages.TryGetValue($"{id}/{version}", out var zip)
                ? Results.File(zip, "application/zip")
                : Results.Problem(statusCode: 404, detail: $"No plugin {id} {version} in the catalog.");
        });
    }

    private IResult? Unauthorized(HttpContext ctx)
    {
        var header = ctx.Request.Headers.Authorization.ToString();
        if (IssuedKey is null || header != $"{AgentRoutes.KeyScheme} {IssuedKey}")
        {
            return Results.Problem(statusCode: 401, detail: "Unknown agent key.");
        }

        return Revoked ? Results.Problem(statusCode: 401, detail: RevokedDetail) : null;
    }
}
