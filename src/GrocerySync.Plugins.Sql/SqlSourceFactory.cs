using GrocerySync.Plugins.Abstractions;

namespace GrocerySync.Plugins.Sql;

/// <summary>
/// The built-in SQL source: runs one parameterised query against PostgreSQL, SQL Server, MySQL/MariaDB or SQLite
/// and streams its rows; result columns map onto canonical fields by name, like the delimited-file source's header.
/// </summary>
public sealed class SqlSourceFactory : ISourceConnectorFactory
{
    /// <summary>Plugin id used in job specs.</summary>
    public const string Id = "sql";

    /// <inheritdoc />
    public PluginManifest Manifest { get; } = new(
        Id,
        PluginKind.Source,
        SemanticVersion.Parse("1.0.0"),
        SemanticVersion.Parse("1.0.0"),
        "SQL database",
        "Reads the catalog with a parameterised query from PostgreSQL, SQL Server, MySQL/MariaDB or SQLite.")
    {
        Settings =
        [
            new("provider", PluginSettingType.Choice, "Database server type.")
            {
                Required = true,
                AllowedValues = [.. SqlProviders.Names],
            },
            new("connectionString", PluginSettingType.Text, "ADO.NET connection string of the provider (it usually holds the password).")
            {
                Required = true,
                IsSecret = true,
            },
            new("query", PluginSettingType.Text, "SELECT statement; result column names map to canonical fields (or use the job's column mapping). Refer to parameters as @name.")
            {
                Required = true,
            },
            new("parameters", PluginSettingType.Text, "Query parameters as a JSON object, e.g. {\"store\": 12, \"since\": \"2025-01-01\"}; strings, numbers, booleans and null."),
            new("commandTimeoutSeconds", PluginSettingType.WholeNumber, "How long the query may run before it is cancelled (0 = no limit).")
            {
                DefaultValue = "600",
            },
            new("batchSize", PluginSettingType.WholeNumber, "Rows per batch handed to the engine.")
            {
                DefaultValue = "4096",
            },
        ],
    };

    /// <inheritdoc />
    public ISourceConnector Create(PluginSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new SqlSourceConnector(SqlSourceOptions.From(settings));
    }
}
