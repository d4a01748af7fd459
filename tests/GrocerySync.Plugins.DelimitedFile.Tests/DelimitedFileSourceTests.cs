using System.Globalization;
using System.Text;
using GrocerySync.Plugins.Abstractions;

namespace GrocerySync.Plugins.DelimitedFile.Tests;

public sealed class DelimitedFileSourceTests
{
    [Fact]
    public async Task Quoted_fields_hold_delimiters_line_breaks_and_doubled_quotes()
    {
        using var s = new SourceRunner();
        await s.ReadAsync("sku,name,price\r\nA1,\"Milk, \"\"whole\"\"\r\n1 l\",1.50\r\nA2,Bread,2\r\n");

        Assert.Empty(s.Rejects);
        Assert.Equal(2, s.Rows.Count);
        Assert.Equal("Milk, \"whole\"\r\n1 l", s.Rows[0].Fields[CanonicalField.Name]);
        Assert.Equal("1.50", s.Rows[0].Fields[CanonicalField.RegularPrice]);
        Assert.Equal(2, s.Rows[0].Line);
        Assert.Equal(4, s.Rows[1].Line); // the quoted line break moved the next row to line 4
    }

    [Fact]
    public async Task Header_names_map_case_insensitively_and_unmapped_columns_are_ignored()
    {
        using var s = new SourceRunner();
        await s.ReadAsync("\uFEFFExtra, SKU ,Name,PRICE\nx,A1,Tea,3.10");

        Assert.Empty(s.Rejects);
        var row = Assert.Single(s.Rows);
        Assert.Equal("A1", row.Fields[CanonicalField.Sku]);
        Assert.Equal("3.10", row.Fields[CanonicalField.RegularPrice]); // no final newline is fine
    }

    [Fact]
    public async Task Semicolons_and_decimal_commas_are_read()
    {
        using var s = new SourceRunner();
        await s.ReadAsync("sku;name;price\nA1;Käse;1.234,50\n", new() { ["delimiter"] = ";", ["decimalSeparator"] = "," });

        Assert.Equal("1234.50", Assert.Single(s.Rows).Fields[CanonicalField.RegularPrice]);
        Assert.Equal("Käse", s.Rows[0].Fields[CanonicalField.Name]);
    }

    [Theory]
    [InlineData("1.234.567,5", "1234567.5")]
    [InlineData("-1.234", "-1234")]
    [InlineData(" 12,5 ", " 12.5 ")]
    [InlineData("999", "999")]
    public async Task Decimal_comma_numbers_with_thousands_groups_are_read(string price, string read)
    {
        using var s = new SourceRunner();
        await s.ReadAsync($"sku;name;price\nA1;Tea;{price}\n", new() { ["delimiter"] = ";", ["decimalSeparator"] = "," });

        Assert.Empty(s.Rejects);
        Assert.Equal(read, Assert.Single(s.Rows).Fields[CanonicalField.RegularPrice]);
    }

    [Theory]
    [InlineData("1.50")]
    [InlineData("1,234.50")]
    [InlineData("1234.567")]
    [InlineData(".5")]
    [InlineData("1.23.456")]
    public async Task A_decimal_point_in_a_decimal_comma_file_is_rejected_not_read_as_thousands(string price)
    {
        using var s = new SourceRunner();
        await s.ReadAsync($"sku;name;price;qty_on_hand\nA1;Tea;{price};3\nA2;Jam;2,00;4\n", new() { ["delimiter"] = ";", ["decimalSeparator"] = "," });

        Assert.Equal("A2", Assert.Single(s.Rows).Fields[CanonicalField.Sku]);
        Assert.Equal("2.00", s.Rows[0].Fields[CanonicalField.RegularPrice]);
        Assert.Equal([(2L, "regularPrice", $"'{price}' is not a number with a decimal comma: '.' may only group thousands (1.234,50)")], s.Rejects);
    }

    [Fact]
    public async Task Tab_separated_files_are_read()
    {
        using var s = new SourceRunner();
        await s.ReadAsync("sku\tname\tprice\nA1\tTea, green\t2.00\n", new() { ["delimiter"] = "tab" });
        Assert.Equal("Tea, green", Assert.Single(s.Rows).Fields[CanonicalField.Name]);
    }

    [Theory]
    [InlineData("latin-1", "Crème brûlée")]
    [InlineData("windows-1252", "Crème brûlée €")]
    public async Task Single_byte_encodings_are_transcoded(string encoding, string name)
    {
        var enc = encoding == "latin-1" ? Encoding.Latin1 : CodePagesEncodingProvider.Instance.GetEncoding(1252)!;
        using var s = new SourceRunner();
        await s.ReadAsync(enc.GetBytes($"sku,name,price\nA1,{name},4.00\n"), new() { ["encoding"] = encoding });

        Assert.Equal(name, Assert.Single(s.Rows).Fields[CanonicalField.Name]);
    }

    [Fact]
    public async Task A_latin1_file_read_as_utf8_rejects_the_rows_with_a_hint()
    {
        using var s = new SourceRunner();
        await s.ReadAsync(Encoding.Latin1.GetBytes("sku,name,price\nA1,Crème,4.00\nA2,Tea,1.00\n"));

        var reject = Assert.Single(s.Rejects);
        Assert.Equal(2, reject.Line);
        Assert.Equal("name", reject.Field);
        Assert.Contains("not valid UTF-8", reject.Reason, StringComparison.Ordinal);
        Assert.Contains("encoding", reject.Reason, StringComparison.Ordinal);
        Assert.Equal("A2", Assert.Single(s.Rows).Fields[CanonicalField.Sku]);
    }

    [Fact]
    public async Task Malformed_quoting_rejects_the_row_and_the_next_rows_are_read()
    {
        using var s = new SourceRunner();
        await s.ReadAsync("sku,name,price\nA1,\"Milk\"x,1.00\nA2,Bread,2.00\n");

        var reject = Assert.Single(s.Rejects);
        Assert.Equal(2, reject.Line);
        Assert.Contains("after the closing quote", reject.Reason, StringComparison.Ordinal);
        Assert.Equal(3, Assert.Single(s.Rows).Line);
    }

    [Fact]
    public async Task Wrong_column_counts_are_rejected_with_their_line()
    {
        using var s = new SourceRunner();
        await s.ReadAsync("sku,name,price\nA1,Milk\nA2,Bread,2.00,extra\nA3,Tea,1.00\n");

        Assert.Equal([(2L, "row", "has 2 columns, the header has 3"), (3L, "row", "has 4 columns, the header has 3")], s.Rejects);
        Assert.Equal("A3", Assert.Single(s.Rows).Fields[CanonicalField.Sku]);
    }

    [Fact]
    public async Task A_10_MB_field_rejects_its_row_and_reading_goes_on_with_correct_line_numbers()
    {
        var sb = new StringBuilder("sku,name,price\nA1,Milk,1.00\nA2,\"");
        sb.Append('x', 10 * 1024 * 1024).Append("\nmore\",2.00\nA3,Tea,3.00\nA4,");
        sb.Append('y', 10 * 1024 * 1024).Append(",4.00\nA5,Jam,5.00\n");
        using var s = new SourceRunner();
        await s.ReadAsync(sb.ToString());

        Assert.Equal(2, s.Rejects.Count);
        Assert.Equal(3, s.Rejects[0].Line);
        Assert.Contains("longer than 1,048,576 bytes", s.Rejects[0].Reason, StringComparison.Ordinal);
        Assert.Equal(6, s.Rejects[1].Line);
        Assert.Equal([("A1", 2L), ("A3", 5L), ("A5", 7L)], s.Rows.Select(r => (r.Fields[CanonicalField.Sku], r.Line)));
    }

    [Fact]
    public async Task A_10_MB_field_is_read_whole_when_maxRowBytes_allows_it()
    {
        var name = new string('x', 10 * 1024 * 1024) + "\nend";
        using var s = new SourceRunner();
        await s.ReadAsync($"sku,name,price\nA1,\"{name}\",1.00\nA2,Tea,2.00\n", new() { ["maxRowBytes"] = (16 * 1024 * 1024).ToString(CultureInfo.InvariantCulture) });

        Assert.Empty(s.Rejects);
        Assert.Equal(name, s.Rows[0].Fields[CanonicalField.Name]);
        Assert.Equal([("A1", 2L), ("A2", 4L)], s.Rows.Select(r => (r.Fields[CanonicalField.Sku], r.Line)));
    }

    [Fact]
    public async Task An_empty_file_yields_no_rows_and_no_error()
    {
        using var s = new SourceRunner();
        await s.ReadAsync(string.Empty);
        Assert.Empty(s.Rows);
        Assert.Empty(s.Rejects);
    }

    [Fact]
    public async Task A_truncated_export_rejects_the_cut_row()
    {
        using var s = new SourceRunner();
        await s.ReadAsync("sku,name,price\nA1,Milk,1.00\nA2,\"Bre");

        var reject = Assert.Single(s.Rejects);
        Assert.Equal(3, reject.Line);
        Assert.Contains("never closes", reject.Reason, StringComparison.Ordinal);
        Assert.Single(s.Rows);

        using var s2 = new SourceRunner();
        await s2.ReadAsync("sku,name,price\nA1,Milk,1.00\nA2,Bre");
        Assert.Contains("truncated", Assert.Single(s2.Rejects).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rows_across_many_batches_keep_every_row_and_line_number()
    {
        var sb = new StringBuilder("sku,name,price\n");
        for (var i = 0; i < 50_000; i++)
        {
            sb.Append(System.Globalization.CultureInfo.InvariantCulture, $"S{i},\"Name {i}, with comma\",{i}.25\r\n");
        }

        using var s = new SourceRunner();
        await s.ReadAsync(sb.ToString());

        Assert.Empty(s.Rejects);
        Assert.Equal(50_000, s.Rows.Count);
        Assert.Equal(Enumerable.Range(2, 50_000).Select(i => (long)i), s.Rows.Select(r => r.Line));
        Assert.Equal("Name 49999, with comma", s.Rows[^1].Fields[CanonicalField.Name]);
        Assert.Equal(Encoding.UTF8.GetByteCount(sb.ToString()), s.BytesRead);
        Assert.Equal(s.BytesRead, s.TotalBytes); // told up front, so the engine can size its state
    }

    [Fact]
    public async Task Plain_rows_read_32_bytes_at_a_time_and_quoted_rows_read_byte_by_byte_give_the_same_fields()
    {
        // Plain rows take the vectorised path; a quote anywhere in a row sends it to the byte-by-byte parser. Field and
        // row ends fall on every position of a 32-byte block, with CRLF and LF, blank lines and empty fields.
        var sb = new StringBuilder("sku,name,price\n");
        var expected = new List<(string Sku, string Name, string Price)>();
        for (var i = 0; i < 400; i++)
        {
            var name = new string((char)('a' + (i % 26)), i % 45);
            var (text, value) = (i % 7) switch
            {
                0 => ($"\"{name}, \"\"q\"\"\"", $"{name}, \"q\""),
                1 => ($"x{name}\"mid", $"x{name}\"mid"),
                _ => (name, name),
            };
            var price = i % 5 == 0 ? string.Empty : $"{i}.5";
            sb.Append(System.Globalization.CultureInfo.InvariantCulture, $"S{i},{text},{price}").Append(i % 3 == 0 ? "\r\n" : "\n");
            if (i % 50 == 0)
            {
                sb.Append('\n');
            }

            expected.Add(($"S{i}", value, price));
        }

        using var s = new SourceRunner();
        await s.ReadAsync(sb.ToString());

        Assert.Empty(s.Rejects);
        Assert.Equal(expected, s.Rows.Select(r => (r.Fields[CanonicalField.Sku], r.Fields[CanonicalField.Name], r.Fields[CanonicalField.RegularPrice])));
    }

    [Fact]
    public async Task A_mapped_column_missing_from_the_header_is_a_clear_error()
    {
        using var s = new SourceRunner();
        var ex = await Assert.ThrowsAsync<PluginException>(() => s.ReadAsync("sku,title,price\nA1,Milk,1\n"));
        Assert.Contains("column 'name' (mapped to name) is not in the header", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_file_is_a_clear_error_and_fails_the_connection_test()
    {
        var factory = new DelimitedFileSourceFactory();
        await using var source = factory.Create(PluginSettings.Create(factory.Manifest, new Dictionary<string, string?> { ["path"] = "/nonexistent/export.csv" }));
        Assert.False((await source.TestConnectionAsync(TestContext.Current.CancellationToken)).Success);
        using var runner = new SourceRunner();
        var ex = await Assert.ThrowsAsync<PluginException>(async () =>
        {
            await foreach (var _ in source.ReadAsync(runner, TestContext.Current.CancellationToken))
            {
            }
        });
        Assert.Contains("Cannot open the source file", ex.Message, StringComparison.Ordinal);
    }
}
