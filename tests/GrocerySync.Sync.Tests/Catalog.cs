using System.Globalization;
using System.Text;

namespace GrocerySync.Sync.Tests;

/// <summary>Builds small catalog CSV files in the shape of the benchmark export.</summary>
internal sealed class Catalog
{
    public const string Header = "sku,upc,name,brand,size,unit,department,category,price,sale_price,sale_start,sale_end,qty_on_hand,store_id,active,image_url";

    private readonly List<Item> _items = [];

    public sealed record Item(int Index)
    {
        public string Sku { get; init; } = $"SKU{Index:D6}";

        public string Upc { get; init; } = ValidUpc(Index);

        public string Name { get; init; } = $"Item {Index}";

        public string Department { get; init; } = Index % 2 == 0 ? "Dairy" : "Produce";

        public decimal Price { get; init; } = 1m + (Index % 50);

        public string Sale { get; init; } = string.Empty;

        public int Qty { get; init; } = Index % 7;

        public string Active { get; init; } = "Y";
    }

    public IReadOnlyList<Item> Items => _items;

    public static Catalog WithItems(int count)
    {
        var c = new Catalog();
        for (var i = 0; i < count; i++)
        {
            c._items.Add(new Item(i));
        }

        return c;
    }

    public Catalog Change(Func<Item, bool> which, Func<Item, Item> how)
    {
        var c = new Catalog();
        c._items.AddRange(_items.Select(i => which(i) ? how(i) : i));
        return c;
    }

    public Catalog Without(Func<Item, bool> which)
    {
        var c = new Catalog();
        c._items.AddRange(_items.Where(i => !which(i)));
        return c;
    }

    public Catalog Reversed()
    {
        var c = new Catalog();
        c._items.AddRange(Enumerable.Reverse(_items));
        return c;
    }

    public string ToCsv()
    {
        var sb = new StringBuilder(Header).Append('\n');
        foreach (var i in _items)
        {
            sb.Append(CultureInfo.InvariantCulture, $"{i.Sku},{i.Upc},{i.Name},Acme,16,oz,{i.Department},{i.Department}/Sub{i.Index % 3},{i.Price:0.00},{i.Sale},,,{i.Qty},S001,{i.Active},https://img.example.com/{i.Index}.jpg\n");
        }

        return sb.ToString();
    }

    public void WriteTo(string path) => File.WriteAllText(path, ToCsv());

    public static string ValidUpc(int i)
    {
        var body = (10_000_000_000L + (i * 7919L)).ToString("D11", CultureInfo.InvariantCulture);
        var b = Encoding.ASCII.GetBytes(body);
        return body + (char)Gtin.CheckDigit(b);
    }
}
