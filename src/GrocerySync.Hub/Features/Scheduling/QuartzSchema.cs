using System.Reflection;
using System.Text.RegularExpressions;
using GrocerySync.Hub.Data;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace GrocerySync.Hub.Features.Scheduling;

/// <summary>
/// The tables of Quartz's clustered job store on PostgreSQL (<c>quartz-postgres.sql</c>, embedded). They are no part
/// of the EF model, so the generated <c>Initial</c> migration knows nothing of them and regenerating it
/// (eng/reset-initial-migration.sh) leaves them alone; <see cref="QuartzSchedulerMigration"/> creates them.
/// </summary>
internal static partial class QuartzSchema
{
    public const string TablePrefix = "qrtz_";

    private const string Resource = "GrocerySync.Hub.Features.Scheduling.quartz-postgres.sql";

    /// <summary>The script's statements, in order.</summary>
    public static IReadOnlyList<string> Statements()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(Resource)
            ?? throw new InvalidOperationException($"The embedded resource {Resource} is missing.");
        using var reader = new StreamReader(stream);
        return [.. reader.ReadToEnd().Split("\n--;;\n").Select(s => s.Trim()).Where(s => s.Contains("CREATE ", StringComparison.Ordinal))];
    }

    /// <summary>The tables the script creates, in creation order.</summary>
    public static IReadOnlyList<string> Tables() =>
        [.. Statements().Select(s => CreateTable().Match(s)).Where(m => m.Success).Select(m => m.Groups[1].Value)];

    [GeneratedRegex(@"CREATE TABLE IF NOT EXISTS (\w+)")]
    private static partial Regex CreateTable();
}

/// <summary>
/// Creates Quartz's tables on PostgreSQL (SQLite hubs keep the schedule in memory). Hand-written and outside the
/// generated migrations folder so that regenerating <c>Initial</c> keeps it; its tables reference none of ours,
/// so it may run before or after <c>Initial</c>. A Quartz upgrade that changes the schema adds a migration beside it.
/// </summary>
[DbContext(typeof(PostgresHubDbContext))]
[Migration("20261201000000_QuartzScheduler")]
internal sealed class QuartzSchedulerMigration : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        foreach (var statement in QuartzSchema.Statements())
        {
            migrationBuilder.Sql(statement);
        }
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        foreach (var table in QuartzSchema.Tables().Reverse())
        {
            migrationBuilder.Sql($"DROP TABLE IF EXISTS {table}");
        }
    }
}
