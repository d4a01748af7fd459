namespace GrocerySync.Plugins.Abstractions;

/// <summary>
/// How the columns of a tabular source map onto the canonical record: canonical field to source column name, plus
/// extra attributes (attribute name to source column name) that travel with the record untouched.
/// A field slot is the <see cref="CanonicalField"/> value; attribute <c>i</c> uses slot <c>CanonicalFields.Count + i</c>.
/// </summary>
public sealed class FieldMapping
{
    /// <summary>Creates a mapping.</summary>
    /// <param name="fields">Canonical field to source column. When empty, columns named like a canonical field map to it.</param>
    /// <param name="attributes">Extra attribute name to source column, kept in this order.</param>
    public FieldMapping(IReadOnlyDictionary<CanonicalField, string>? fields = null, IReadOnlyList<KeyValuePair<string, string>>? attributes = null)
    {
        Fields = fields ?? new Dictionary<CanonicalField, string>();
        Attributes = attributes ?? [];
        AttributeNames = Attributes.Select(a => a.Key).ToArray();
    }

    /// <summary>Canonical field to source column name.</summary>
    public IReadOnlyDictionary<CanonicalField, string> Fields { get; }

    /// <summary>Extra attribute name to source column name.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Attributes { get; }

    /// <summary>The attribute names, in slot order.</summary>
    public IReadOnlyList<string> AttributeNames { get; }

    /// <summary>The number of slots per row: canonical fields plus attributes.</summary>
    public int SlotCount => CanonicalFields.Count + Attributes.Count;

    /// <summary>
    /// Resolves a header row into a slot per column (-1 for a column nobody asked for). Column names compare
    /// case-insensitively after trimming. Every mapped column must exist and the SKU must be mapped.
    /// </summary>
    /// <exception cref="PluginException">A mapped column is missing from the header, or no column provides the SKU.</exception>
    public int[] ResolveColumns(IReadOnlyList<string> header)
    {
        ArgumentNullException.ThrowIfNull(header);
        var slots = new int[header.Count];
        Array.Fill(slots, -1);
        var errors = new List<string>();

        int Find(string column)
        {
            for (var i = 0; i < header.Count; i++)
            {
                if (string.Equals(header[i].Trim(), column.Trim(), StringComparison.OrdinalIgnoreCase))
                {
                    return i;
                }
            }

            return -1;
        }

        if (Fields.Count == 0)
        {
            for (var i = 0; i < header.Count; i++)
            {
                if (CanonicalFields.TryParse(header[i].Trim(), out var f) && !slots.Contains((int)f))
                {
                    slots[i] = (int)f;
                }
            }
        }
        else
        {
            foreach (var (field, column) in Fields)
            {
                var i = Find(column);
                if (i < 0)
                {
                    errors.Add($"column '{column}' (mapped to {CanonicalFields.GetName(field)}) is not in the header");
                }
                else if (slots[i] >= 0)
                {
                    errors.Add($"column '{column}' is mapped twice");
                }
                else
                {
                    slots[i] = (int)field;
                }
            }
        }

        for (var a = 0; a < Attributes.Count; a++)
        {
            var i = Find(Attributes[a].Value);
            if (i < 0)
            {
                errors.Add($"column '{Attributes[a].Value}' (attribute {Attributes[a].Key}) is not in the header");
            }
            else if (slots[i] >= 0)
            {
                errors.Add($"column '{Attributes[a].Value}' is mapped twice");
            }
            else
            {
                slots[i] = CanonicalFields.Count + a;
            }
        }

        if (errors.Count == 0 && !slots.Contains((int)CanonicalField.Sku))
        {
            errors.Add("no column is mapped to sku");
        }

        if (errors.Count > 0)
        {
            throw new PluginException($"The mapping does not fit the source: {string.Join("; ", errors)}. Header: {string.Join(", ", header)}.");
        }

        return slots;
    }
}
