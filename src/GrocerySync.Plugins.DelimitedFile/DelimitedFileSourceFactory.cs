using System.Text;
using GrocerySync.Plugins.Abstractions;

namespace GrocerySync.Plugins.DelimitedFile;

/// <summary>The <c>delimited-file</c> source: CSV, TSV or semicolon-separated exports with a header row.</summary>
public sealed class DelimitedFileSourceFactory : ISourceConnectorFactory
{
    /// <summary>Plugin id.</summary>
    public const string Id = "delimited-file";

    /// <inheritdoc />
    public PluginManifest Manifest { get; } = new(
        Id,
        PluginKind.Source,
        SemanticVersion.Parse("1.0.0"),
        SemanticVersion.Parse("1.0.0"),
        "Delimited file",
        "Reads a CSV, TSV or semicolon-separated export with a header row; columns map to canonical fields by name.")
    {
        Settings =
        [
            new("path", PluginSettingType.Path, "The export file.") { Required = true },
            new("delimiter", PluginSettingType.Choice, "Field separator.") { DefaultValue = ",", AllowedValues = [",", ";", "\t", "|", "tab", "comma", "semicolon", "pipe"] },
            new("encoding", PluginSettingType.Choice, "Text encoding of the file.") { DefaultValue = "utf-8", AllowedValues = ["utf-8", "latin-1", "iso-8859-1", "windows-1252"] },
            new("decimalSeparator", PluginSettingType.Choice, "Decimal separator of prices and quantities; with ',' a '.' is read as a thousands separator.") { DefaultValue = ".", AllowedValues = [".", ","] },
            new("maxRowBytes", PluginSettingType.WholeNumber, "A row longer than this (in bytes) is rejected.") { DefaultValue = "1048576" },
        ],
    };

    /// <inheritdoc />
    public ISourceConnector Create(PluginSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var delimiter = settings.GetString("delimiter", ",").ToLowerInvariant() switch
        {
            "," or "comma" => (byte)',',
            ";" or "semicolon" => (byte)';',
            "\t" or "tab" => (byte)'\t',
            "|" or "pipe" => (byte)'|',
            var other => throw new PluginException($"Delimiter '{other}' is not supported."),
        };
        Encoding encoding = settings.GetString("encoding", "utf-8").ToLowerInvariant() switch
        {
            "latin-1" or "iso-8859-1" => Encoding.Latin1,
            "windows-1252" => CodePagesEncodingProvider.Instance.GetEncoding(1252)!,
            _ => Encoding.UTF8,
        };
        var maxRow = settings.GetInt64("maxRowBytes", 1 << 20);
        if (maxRow is < 1024 or > 256L << 20)
        {
            throw new PluginException("maxRowBytes must be between 1024 and 268435456.");
        }

        return new DelimitedFileSource(new DelimitedFileOptions(
            settings.GetRequiredString("path"), delimiter, encoding, settings.GetString("decimalSeparator", ".") == ",", (int)maxRow));
    }
}

internal sealed record DelimitedFileOptions(string Path, byte Delimiter, Encoding Encoding, bool DecimalComma, int MaxRowBytes);
