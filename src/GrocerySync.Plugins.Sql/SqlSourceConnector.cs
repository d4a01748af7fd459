using System.Data;
using System.Data.Common;
using System.Runtime.CompilerServices;
using GrocerySync.Plugins.Abstractions;

namespace GrocerySync.Plugins.Sql;

/// <summary>
/// Streams the rows of one query: the reader is opened with <see cref="CommandBehavior.SequentialAccess"/>, so the
/// provider never buffers a whole row set, and rows go into rented batches that the engine takes over one by one.
/// </summary>
internal sealed class SqlSourceConnector(SqlSourceOptions options) : ISourceConnector
{
    private readonly string _server = SqlProviders.DisplayName(options.Provider);

    public async Task<ConnectionTestResult> TestConnectionAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await OpenAsync(cancellationToken);
            await using var command = CreateCommand(connection);

            // SchemaOnly describes the result without producing rows: it proves the query compiles and the columns exist.
            await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SchemaOnly | CommandBehavior.SingleResult, cancellationToken);
            var columns = ColumnNames(reader);
            return columns.Length == 0
                ? ConnectionTestResult.Failed($"Connected to {_server}, but the query returns no columns.")
                : ConnectionTestResult.Ok($"Connected to {_server}; the query returns {columns.Length} columns: {string.Join(", ", columns)}.");
        }
        catch (PluginException ex)
        {
            return ConnectionTestResult.Failed(ex.Message);
        }
        catch (DbException ex)
        {
            return ConnectionTestResult.Failed($"{_server} refused the query: {ex.Message}");
        }
    }

    public async IAsyncEnumerable<SourceBatch> ReadAsync(SourceReadContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = CreateCommand(connection);
        DbDataReader reader;
        try
        {
            reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess | CommandBehavior.SingleResult, cancellationToken);
        }
        catch (DbException ex)
        {
            throw new PluginException($"{_server} refused the query: {ex.Message}", ex);
        }

        await using (reader)
        {
            var slots = context.Mapping.ResolveColumns(ColumnNames(reader));
            var formatters = new ColumnFormatter[slots.Length];
            for (var c = 0; c < slots.Length; c++)
            {
                formatters[c] = ColumnFormatter.For(reader.GetFieldType(c), options.Provider);
            }

            var lastMapped = Array.FindLastIndex(slots, s => s >= 0);
            var batch = context.RentBatch();
            var bytesBefore = 0;
            long line = 0;
            while (await ReadRowAsync(reader, cancellationToken))
            {
                line++;
                var row = batch.AddRow(line);
                try
                {
                    // Sequential access: columns in order, each at most once, none after the last one we need.
                    for (var c = 0; c <= lastMapped; c++)
                    {
                        if (slots[c] >= 0 && !reader.IsDBNull(c))
                        {
                            formatters[c].Write(reader, c, batch, row, slots[c]);
                        }
                    }
                }
                catch (Exception ex) when (ex is InvalidCastException or FormatException or OverflowException)
                {
                    batch.RemoveLastRow();
                    context.Reject(line, "row", $"a value could not be read as text: {ex.Message}");
                    continue;
                }

                if (batch.Count >= options.BatchSize || batch.DataLength >= 8 << 20)
                {
                    context.ReportBytesRead(batch.DataLength - bytesBefore);
                    yield return batch;
                    batch = context.RentBatch();
                    bytesBefore = batch.DataLength;
                }
            }

            context.ReportBytesRead(batch.DataLength - bytesBefore);
            if (batch.Count > 0)
            {
                yield return batch;
            }
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private async Task<bool> ReadRowAsync(DbDataReader reader, CancellationToken cancellationToken)
    {
        try
        {
            return await reader.ReadAsync(cancellationToken);
        }
        catch (DbException ex)
        {
            throw new PluginException($"{_server} failed while the query's rows were read: {ex.Message}", ex);
        }
    }

    private async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = SqlProviders.CreateConnection(options.Provider, options.ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            return connection;
        }
        catch (Exception ex) when (ex is DbException or InvalidOperationException or System.Net.Sockets.SocketException or TimeoutException)
        {
            await connection.DisposeAsync();
            throw new PluginException($"Cannot connect to the {_server} server: {ex.Message}", ex);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private DbCommand CreateCommand(DbConnection connection)
    {
        var command = connection.CreateCommand();

        // The query text comes from the job's configuration (an administrator's setting); values come in as parameters only.
#pragma warning disable CA2100 // Review SQL queries for security vulnerabilities: see the comment above.
        command.CommandText = options.Query;
#pragma warning restore CA2100
        command.CommandTimeout = options.CommandTimeoutSeconds;
        foreach (var (name, value) in options.Parameters)
        {
            var p = command.CreateParameter();
            p.ParameterName = "@" + name;
            p.Value = value ?? DBNull.Value;
            command.Parameters.Add(p);
        }

        return command;
    }

    private static string[] ColumnNames(DbDataReader reader)
    {
        var names = new string[reader.FieldCount];
        for (var i = 0; i < names.Length; i++)
        {
            names[i] = reader.GetName(i);
        }

        return names;
    }
}
