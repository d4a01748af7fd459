using System.Diagnostics;
using System.Globalization;
using System.Text;
using GrocerySync.Plugins.Abstractions;

namespace GrocerySync.Plugins.Http.Tests;

/// <summary>The HTTP destination against a real Kestrel receiver on loopback that fails, throttles and hangs on purpose.</summary>
public sealed class HttpDestinationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static DestinationContext Run(string contentType = "application/jsonl") =>
        new("shop-1", Guid.NewGuid(), IsDelta: true, contentType, "jsonl", DateTimeOffset.UnixEpoch);

    private static string Key(DestinationContext run, string suffix) => $"{run.RunId:N}:{suffix}";

    private static DestinationBatch Batch(long sequence, bool isLast, params string[] skus)
    {
        var text = string.Concat(skus.Select(s => $"{{\"sku\":\"{s}\",\"price\":1.5}}\n"));
        return new DestinationBatch(Encoding.UTF8.GetBytes(text), skus.Length, sequence, isLast);
    }

    private static IDestinationConnector Create(ReceiverApi api, params (string Key, string? Value)[] overrides)
    {
        var settings = new Dictionary<string, string?>
        {
            ["batchUrl"] = api.Url("batches").ToString(),
            ["commitUrl"] = api.Url("commit").ToString(),
            ["abortUrl"] = api.Url("abort").ToString(),
            ["requestTimeoutSeconds"] = "5",
            ["maxAttempts"] = "4",
            ["retryBaseDelayMilliseconds"] = "20",
            ["maxRetryDelaySeconds"] = "10",
        };
        foreach (var (key, value) in overrides)
        {
            settings[key] = value;
        }

        var factory = new HttpDestinationFactory();
        return factory.Create(PluginSettings.Create(factory.Manifest, settings));
    }

    private static string[] Skus(IEnumerable<System.Text.Json.JsonElement> records) =>
        [.. records.Select(r => r.GetProperty("sku").GetString()!)];

    [Fact]
    public async Task Batches_are_staged_with_one_key_each_and_published_only_by_the_commit_call()
    {
        await using var api = await ReceiverApi.StartAsync();
        await using var destination = Create(api);
        var run = Run();
        var runKey = run.RunId.ToString("N");

        await using (var tx = await destination.BeginAsync(run, Ct))
        {
            await tx.WriteAsync(Batch(0, false, "A", "B"), Ct);
            await tx.WriteAsync(Batch(1, true, "C"), Ct);
            Assert.Equal(["A", "B", "C"], Skus(api.Staged[runKey]));
            Assert.False(api.Published.ContainsKey(runKey), "nothing may be visible before commit");
            await tx.CommitAsync(Ct);
        }

        Assert.Equal(["A", "B", "C"], Skus(api.Published[runKey]));
        Assert.Equal([Key(run, "0"), Key(run, "1"), Key(run, "commit")], api.Attempts.Select(a => a.Key));
        var first = System.Text.Json.JsonDocument.Parse(api.Attempts.First().Body).RootElement;
        Assert.Equal("shop-1", first.GetProperty("jobId").GetString());
        Assert.Equal(0, first.GetProperty("sequence").GetInt64());
        Assert.False(first.GetProperty("isLast").GetBoolean());
        Assert.True(first.GetProperty("isDelta").GetBoolean());
        var commit = System.Text.Json.JsonDocument.Parse(api.Attempts.Last().Body).RootElement;
        Assert.Equal(2, commit.GetProperty("batchCount").GetInt64());
        Assert.Equal(3, commit.GetProperty("recordCount").GetInt64());
    }

    [Fact]
    public async Task A_failed_batch_is_retried_with_the_same_idempotency_key_and_applied_once()
    {
        await using var api = await ReceiverApi.StartAsync();
        await using var destination = Create(api);
        var run = Run();

        // First attempt is applied but its answer is lost (500); the second fails outright; the third succeeds.
        api.Plan(Key(run, "0"), Fault.ApplyThenServerError, Fault.ServerError);
        await using (var tx = await destination.BeginAsync(run, Ct))
        {
            await tx.WriteAsync(Batch(0, true, "A", "B"), Ct);
            await tx.CommitAsync(Ct);
        }

        var attempts = api.AttemptsFor(Key(run, "0"));
        Assert.Equal(3, attempts.Length);
        Assert.All(attempts, a => Assert.Equal(attempts[0].Body, a.Body));
        Assert.Equal(1, api.ApplyCount[Key(run, "0")]);
        Assert.Equal(["A", "B"], Skus(api.Published[run.RunId.ToString("N")]));
    }

    [Fact]
    public async Task A_429_is_retried_only_after_its_Retry_After()
    {
        await using var api = await ReceiverApi.StartAsync();
        await using var destination = Create(api);
        var run = Run();
        api.Plan(Key(run, "0"), Fault.Throttle);
        api.Plan(Key(run, "1"), Fault.ServerError);

        await using (var tx = await destination.BeginAsync(run, Ct))
        {
            await tx.WriteAsync(Batch(0, false, "A"), Ct);
            await tx.WriteAsync(Batch(1, true, "B"), Ct);
            await tx.CommitAsync(Ct);
        }

        var throttled = api.AttemptsFor(Key(run, "0"));
        Assert.Equal(2, throttled.Length);
        var waited = throttled[1].At - throttled[0].At;
        Assert.True(waited >= TimeSpan.FromMilliseconds(950), $"Retry-After: 1 must be honoured, the retry came after {waited.TotalMilliseconds:0} ms");

        // Without Retry-After the back-off is the configured one (20 ms median), far below a second.
        var failed = api.AttemptsFor(Key(run, "1"));
        Assert.Equal(2, failed.Length);
        Assert.True(failed[1].At - failed[0].At < TimeSpan.FromMilliseconds(800), "a plain 500 must not wait like a 429");
        Assert.Equal(1, api.ApplyCount[Key(run, "0")]);
    }

    [Fact]
    public async Task An_attempt_that_hangs_is_cut_off_by_the_timeout_and_retried()
    {
        await using var api = await ReceiverApi.StartAsync();
        await using var destination = Create(api, ("requestTimeoutSeconds", "0.5"));
        var run = Run();
        api.Plan(Key(run, "0"), Fault.Hang);
        var clock = Stopwatch.StartNew();

        await using (var tx = await destination.BeginAsync(run, Ct))
        {
            await tx.WriteAsync(Batch(0, true, "A"), Ct);
            await tx.CommitAsync(Ct);
        }

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(4), $"the hanging attempt must be abandoned after 0.5 s, took {clock.Elapsed}");
        Assert.Equal(2, api.AttemptsFor(Key(run, "0")).Length);
        Assert.Equal(1, api.ApplyCount[Key(run, "0")]);
    }

    [Fact]
    public async Task A_server_that_never_answers_fails_the_batch_with_a_timeout_after_max_attempts()
    {
        await using var api = await ReceiverApi.StartAsync();
        await using var destination = Create(api, ("requestTimeoutSeconds", "0.3"), ("maxAttempts", "3"));
        var run = Run();
        api.Plan(Key(run, "0"), Fault.Hang, Fault.Hang, Fault.Hang);
        var clock = Stopwatch.StartNew();

        await using var tx = await destination.BeginAsync(run, Ct);
        var ex = await Assert.ThrowsAsync<PluginException>(async () => await tx.WriteAsync(Batch(0, true, "A"), Ct));

        Assert.Contains("timed out after 3 attempt(s)", ex.Message, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        Assert.False(api.ApplyCount.ContainsKey(Key(run, "0")));
    }

    [Fact]
    public async Task A_Retry_After_beyond_the_allowed_wait_fails_at_once_with_the_reason()
    {
        await using var api = await ReceiverApi.StartAsync();
        await using var destination = Create(api);
        var run = Run();
        api.Plan(Key(run, "0"), Fault.ThrottleForAnHour);

        await using var tx = await destination.BeginAsync(run, Ct);
        var ex = await Assert.ThrowsAsync<PluginException>(async () => await tx.WriteAsync(Batch(0, true, "A"), Ct));

        Assert.Contains("429", ex.Message, StringComparison.Ordinal);
        Assert.Contains("retry after 3600 s", ex.Message, StringComparison.Ordinal);
        Assert.Single(api.AttemptsFor(Key(run, "0")));
    }

    [Fact]
    public async Task A_client_error_is_not_retried_and_reports_the_servers_reason()
    {
        await using var api = await ReceiverApi.StartAsync();
        await using var destination = Create(api);
        var run = Run();
        api.Plan(Key(run, "0"), Fault.BadRequest);

        await using var tx = await destination.BeginAsync(run, Ct);
        var ex = await Assert.ThrowsAsync<PluginException>(async () => await tx.WriteAsync(Batch(0, true, "A"), Ct));

        Assert.Contains("400", ex.Message, StringComparison.Ordinal);
        Assert.Contains("must be a number", ex.Message, StringComparison.Ordinal);
        Assert.Single(api.AttemptsFor(Key(run, "0")));
    }

    [Fact]
    public async Task Rollback_aborts_the_staged_run_and_publishes_nothing()
    {
        await using var api = await ReceiverApi.StartAsync();
        await using var destination = Create(api);
        var run = Run();

        await using (var tx = await destination.BeginAsync(run, Ct))
        {
            await tx.WriteAsync(Batch(0, false, "A"), Ct);
            await tx.RollbackAsync(Ct);
        }

        var runKey = run.RunId.ToString("N");
        Assert.Equal([runKey], api.Aborted);
        Assert.False(api.Staged.ContainsKey(runKey));
        Assert.False(api.Published.ContainsKey(runKey));
        Assert.DoesNotContain(api.Attempts, a => a.Key == Key(run, "commit"));
    }

    [Fact]
    public async Task Without_a_commit_url_batches_are_sent_only_when_the_run_commits_in_order_with_their_keys()
    {
        await using var api = await ReceiverApi.StartAsync();
        await using var destination = Create(api, ("commitUrl", null));
        var run = Run();
        var runKey = run.RunId.ToString("N");

        await using (var tx = await destination.BeginAsync(run, Ct))
        {
            await tx.WriteAsync(Batch(0, false, "A", "B"), Ct);
            await tx.WriteAsync(Batch(1, false, "C"), Ct);
            await tx.WriteAsync(Batch(2, true, "D"), Ct);
            Assert.Empty(api.Attempts); // live on arrival, so nothing may arrive before the commit
            Assert.Empty(Directory.EnumerateFiles(Path.GetTempPath(), $"gs-http-{runKey}*")); // not even a killed run leaves the spool
            await tx.CommitAsync(Ct);
        }

        Assert.Equal([Key(run, "0"), Key(run, "1"), Key(run, "2")], api.Attempts.Select(a => a.Key));
        Assert.Equal(["A", "B", "C", "D"], Skus(api.Staged[runKey]));
        var last = System.Text.Json.JsonDocument.Parse(api.Attempts.Last().Body).RootElement;
        Assert.Equal(2, last.GetProperty("sequence").GetInt64());
        Assert.True(last.GetProperty("isLast").GetBoolean());
        Assert.Empty(Directory.EnumerateFiles(Path.GetTempPath(), $"gs-http-{runKey}*"));
    }

    [Fact]
    public async Task Without_a_commit_url_a_rolled_back_run_sends_nothing_and_leaves_no_spool()
    {
        await using var api = await ReceiverApi.StartAsync();
        await using var destination = Create(api, ("commitUrl", null));
        var run = Run();

        await using (var tx = await destination.BeginAsync(run, Ct))
        {
            await tx.WriteAsync(Batch(0, false, "A"), Ct);
            await tx.WriteAsync(Batch(1, true, "B"), Ct);
            await tx.RollbackAsync(Ct); // as when the guard rail stops the run
        }

        Assert.Empty(api.Attempts);
        Assert.Empty(Directory.EnumerateFiles(Path.GetTempPath(), $"gs-http-{run.RunId:N}*"));
    }

    [Fact]
    public async Task Raw_body_posts_the_adapter_output_as_it_is_with_the_run_in_headers()
    {
        await using var api = await ReceiverApi.StartAsync();
        await using var destination = Create(api, ("bodyFormat", "raw"), ("bearerToken", "t0ken-abc"));
        var run = Run("text/csv");
        var csv = "sku,name\n1,Milk\n";

        await using (var tx = await destination.BeginAsync(run, Ct))
        {
            await tx.WriteAsync(new DestinationBatch(Encoding.UTF8.GetBytes(csv), 1, 0, true), Ct);
            await tx.CommitAsync(Ct);
        }

        var attempt = api.AttemptsFor(Key(run, "0")).Single();
        Assert.Equal(csv, attempt.Body);
        Assert.Equal("text/csv", attempt.ContentType);
        Assert.Equal("Bearer t0ken-abc", attempt.Authorization);
    }

    [Fact]
    public async Task Json_body_needs_a_JSON_adapter_and_valid_JSON_lines()
    {
        await using var api = await ReceiverApi.StartAsync();
        await using var destination = Create(api);

        var wrongAdapter = await Assert.ThrowsAsync<PluginException>(() => destination.BeginAsync(Run("text/csv"), Ct));
        Assert.Contains("bodyFormat", wrongAdapter.Message, StringComparison.Ordinal);

        await using var tx = await destination.BeginAsync(Run(), Ct);
        var bad = await Assert.ThrowsAsync<PluginException>(async () =>
            await tx.WriteAsync(new DestinationBatch("{\"sku\":\"A\"}\nnot json\n"u8.ToArray(), 2, 0, true), Ct));
        Assert.Contains("Line 2", bad.Message, StringComparison.Ordinal);
        Assert.Empty(api.Attempts);
    }

    [Fact]
    public async Task TestConnection_uses_the_health_url_or_HEAD_and_reports_failures()
    {
        await using var api = await ReceiverApi.StartAsync();

        await using var withHealth = Create(api, ("healthUrl", api.Url("health").ToString()));
        var ok = await withHealth.TestConnectionAsync(Ct);
        Assert.True(ok.Success, ok.Message);
        Assert.Contains("GET", ok.Message, StringComparison.Ordinal);

        await using var headOnly = Create(api);
        var head = await headOnly.TestConnectionAsync(Ct);
        Assert.True(head.Success, head.Message);
        Assert.Contains("HEAD", head.Message, StringComparison.Ordinal);

        await using var locked = Create(api, ("healthUrl", api.Url("health-locked").ToString()), ("apiKey", "k3y-secret"));
        var refused = await locked.TestConnectionAsync(Ct);
        Assert.False(refused.Success);
        Assert.Contains("credentials", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("k3y-secret", refused.Message, StringComparison.Ordinal);

        var closedPort = new UriBuilder(api.BaseUrl) { Port = FreePort() }.Uri;
        await using var down = Create(api, ("healthUrl", new Uri(closedPort, "health").ToString()));
        var unreachable = await down.TestConnectionAsync(Ct);
        Assert.False(unreachable.Success);
        Assert.StartsWith("Cannot reach", unreachable.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Credentials_are_secret_settings()
    {
        var manifest = new HttpDestinationFactory().Manifest;
        var settings = PluginSettings.Create(manifest, new Dictionary<string, string?>
        {
            ["batchUrl"] = "http://127.0.0.1:1/b",
            ["bearerToken"] = "t0ken",
            ["apiKey"] = "k3y",
        });

        Assert.True(settings.IsSecret("bearerToken") && settings.IsSecret("apiKey"));
        Assert.DoesNotContain("t0ken", settings.ToString(), StringComparison.Ordinal);
        Assert.Equal("6", settings.GetString("maxAttempts"));
        Assert.Equal("30", settings.GetString("requestTimeoutSeconds"));
        _ = int.Parse(settings.GetString("maxRetryDelaySeconds"), CultureInfo.InvariantCulture);
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
