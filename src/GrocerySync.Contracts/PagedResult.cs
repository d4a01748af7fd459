namespace GrocerySync.Contracts;

/// <summary>One page of a list answer, with the total count of matching items.</summary>
public sealed record PagedResult<T>(IReadOnlyList<T> Items, int Page, int PageSize, int TotalCount);
