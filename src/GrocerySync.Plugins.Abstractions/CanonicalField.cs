namespace GrocerySync.Plugins.Abstractions;

/// <summary>
/// The fields of the canonical grocery record. A source delivers each as UTF-8 text in the canonical text form
/// (see <see cref="ISourceConnector"/>); the engine validates and normalises them into a <see cref="GroceryRecord"/>.
/// Values are stable: new fields are only ever appended.
/// </summary>
public enum CanonicalField
{
    /// <summary>Stock keeping unit: the record key. Required.</summary>
    Sku = 0,

    /// <summary>GTIN-8/12/13/14 or UPC-E; normalised to GTIN-14 with a verified check digit.</summary>
    Gtin = 1,

    /// <summary>Price look-up code of a weighed item (4 or 5 digits).</summary>
    Plu = 2,

    /// <summary>Product name. Required.</summary>
    Name = 3,

    /// <summary>Brand.</summary>
    Brand = 4,

    /// <summary>Pack size, e.g. <c>16</c>.</summary>
    Size = 5,

    /// <summary>Unit of the size, e.g. <c>oz</c>.</summary>
    Unit = 6,

    /// <summary>Department, e.g. <c>Dairy</c>.</summary>
    Department = 7,

    /// <summary>Category path, levels separated by <c>/</c>, e.g. <c>Dairy/Cheese</c>.</summary>
    Category = 8,

    /// <summary>Regular price, a decimal number. Required, not negative.</summary>
    RegularPrice = 9,

    /// <summary>Sale price; not negative and not above the regular price.</summary>
    SalePrice = 10,

    /// <summary>First day of the sale (ISO 8601 date).</summary>
    SaleStart = 11,

    /// <summary>Last day of the sale (ISO 8601 date), not before the start.</summary>
    SaleEnd = 12,

    /// <summary>ISO 4217 currency code of the prices; the job's default currency when empty.</summary>
    Currency = 13,

    /// <summary>Tax class code.</summary>
    TaxClass = 14,

    /// <summary>Store the quantity on hand belongs to.</summary>
    StoreId = 15,

    /// <summary>Quantity on hand in that store; not negative (a decimal for weighed items).</summary>
    QuantityOnHand = 16,

    /// <summary>Active flag: Y/N, yes/no, true/false, 1/0, active/inactive; empty means active.</summary>
    Active = 17,

    /// <summary>Absolute http(s) URL of the product image.</summary>
    ImageUrl = 18,

    /// <summary>Absolute http(s) URL of the product page.</summary>
    ProductUrl = 19,

    /// <summary>Longer product description.</summary>
    Description = 20,

    /// <summary>When the record last changed in the source (ISO 8601 date or date-time); used by the changed-since filter.</summary>
    UpdatedAt = 21,
}

/// <summary>Helpers for <see cref="CanonicalField"/>.</summary>
public static class CanonicalFields
{
    /// <summary>The number of canonical fields; attribute slots of a <see cref="SourceBatch"/> start at this index.</summary>
    public const int Count = 22;

    private static readonly string[] Names =
    [
        "sku", "gtin", "plu", "name", "brand", "size", "unit", "department", "category", "regularPrice", "salePrice",
        "saleStart", "saleEnd", "currency", "taxClass", "storeId", "quantityOnHand", "active", "imageUrl", "productUrl",
        "description", "updatedAt",
    ];

    /// <summary>The camelCase name of a field as used in job specs and the JSON Lines adapter.</summary>
    public static string GetName(CanonicalField field) => Names[(int)field];

    /// <summary>All fields in index order.</summary>
    public static IReadOnlyList<CanonicalField> All { get; } = Enumerable.Range(0, Count).Select(i => (CanonicalField)i).ToArray();

    /// <summary>
    /// Finds a field by name, ignoring case, spaces, <c>_</c> and <c>-</c> (so <c>regular_price</c> and
    /// <c>Regular Price</c> both find <see cref="CanonicalField.RegularPrice"/>).
    /// </summary>
    public static bool TryParse(string name, out CanonicalField field)
    {
        var key = Simplify(name);
        for (var i = 0; i < Names.Length; i++)
        {
            if (string.Equals(Simplify(Names[i]), key, StringComparison.Ordinal))
            {
                field = (CanonicalField)i;
                return true;
            }
        }

        field = default;
        return false;
    }

    internal static string Simplify(string name)
    {
        Span<char> buffer = stackalloc char[Math.Min(name.Length, 256)];
        var n = 0;
        foreach (var c in name.AsSpan(0, Math.Min(name.Length, 256)))
        {
            if (c is not (' ' or '_' or '-'))
            {
                buffer[n++] = char.ToLowerInvariant(c);
            }
        }

        return new string(buffer[..n]);
    }
}
