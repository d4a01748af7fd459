using System.Linq.Expressions;

namespace GrocerySync.Hub.Api;

/// <summary>An entity-to-DTO mapping usable both inside a database query and on a loaded entity.</summary>
internal sealed class Projection<TEntity, TDto>(Expression<Func<TEntity, TDto>> expression)
{
    private readonly Func<TEntity, TDto> _compiled = expression.Compile();

    public Expression<Func<TEntity, TDto>> Expression => expression;

    public TDto From(TEntity entity) => _compiled(entity);
}
