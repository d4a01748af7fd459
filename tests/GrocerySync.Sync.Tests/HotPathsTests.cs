using System.Runtime;
using System.Runtime.CompilerServices;

namespace GrocerySync.Sync.Tests;

public sealed class HotPathsTests
{
    [Fact]
    public async Task Hot_methods_are_compiled_ahead_so_their_first_call_compiles_nothing()
    {
        // The measure can see a first-call compilation: an ordinary method of this (not precompiled) assembly.
        Assert.True(CompiledOnThisThreadBy(Ordinary) > 0);

        await HotPaths.PrepareAhead(typeof(HotPathsTests).Assembly);

        Assert.Equal(0, CompiledOnThisThreadBy(Hot));
        Assert.Equal(0, CompiledOnThisThreadBy(HotStatic.Twice));
    }

    [Fact]
    public async Task Preparing_an_assembly_again_or_with_generic_hot_methods_completes()
    {
        await HotPaths.PrepareAhead(typeof(HotPathsTests).Assembly, typeof(SyncEngine).Assembly);
        await HotPaths.PrepareAhead(typeof(HotPathsTests).Assembly);
        Assert.Equal(6, Generic<int>.Sum(1, 5));
    }

    // A method group, not a lambda: a lambda is a method of its own that its first call compiles.
    private static long CompiledOnThisThreadBy(Func<int, int> method)
    {
        var before = JitInfo.GetCompiledMethodCount(currentThread: true);
        _ = method(2);
        return JitInfo.GetCompiledMethodCount(currentThread: true) - before;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int Ordinary(int x) => x + 1;

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static int Hot(int x) => x * 3;

    private static class HotStatic
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
        public static int Twice(int x) => x * 2;
    }

    private static class Generic<T>
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static int Sum(int a, int b) => a + b;
    }
}
