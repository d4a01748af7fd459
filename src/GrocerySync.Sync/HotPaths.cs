using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace GrocerySync.Sync;

/// <summary>
/// Compiles the hot loops of the engine and of a run's plugins ahead, on a background thread, while the run is still
/// starting (spec, plugins, state, destination).
/// </summary>
/// <remarks>
/// The per-batch and per-row methods are marked <see cref="MethodImplOptions.AggressiveOptimization"/>, so the JIT
/// compiles them fully optimised at their first call (ReadyToRun leaves them out). Without this, each stage compiles
/// its own on first use, one after the other along the pipeline: the source's, then the prepare stage's once the first
/// batch arrives, then the consumer's, about 90 ms of a one-second run in which one core waits. Here a second core
/// does it before the batches arrive; a stage that calls a method still being compiled waits for that compilation,
/// nothing is compiled twice. Each assembly is done once per process.
/// </remarks>
internal static class HotPaths
{
    private static readonly Lock Gate = new();
    private static readonly HashSet<Assembly> Queued = [];
    private static Task _last = Task.CompletedTask;

    /// <summary>
    /// Queues the assemblies' hot methods for compilation, in order, and returns at once (the task completes when all
    /// that is queued so far is compiled; nobody needs to wait for it).
    /// </summary>
    public static Task PrepareAhead(params ReadOnlySpan<Assembly> assemblies)
    {
        lock (Gate)
        {
            foreach (var assembly in assemblies)
            {
                if (Queued.Add(assembly))
                {
                    _last = _last.ContinueWith(_ => Prepare(assembly), CancellationToken.None, TaskContinuationOptions.LongRunning, TaskScheduler.Default);
                }
            }

            return _last;
        }
    }

    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Best effort: a type or method the trimmer removed is never called, so there is nothing to compile ahead.")]
    [UnconditionalSuppressMessage("Trimming", "IL2075", Justification = "Best effort: a type or method the trimmer removed is never called, so there is nothing to compile ahead.")]
    private static void Prepare(Assembly assembly)
    {
        Type?[] types;
        try
        {
            types = assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException ex)
        {
            types = ex.Types; // a plugin type whose dependency is missing fails where the run uses it, not here
        }

        const BindingFlags all = BindingFlags.DeclaredOnly | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static;
        foreach (var type in types)
        {
            if (type is null || type.ContainsGenericParameters)
            {
                continue;
            }

            foreach (var method in type.GetMethods(all))
            {
                if ((method.MethodImplementationFlags & MethodImplAttributes.AggressiveOptimization) == 0 || method.ContainsGenericParameters || method.IsAbstract)
                {
                    continue;
                }

                try
                {
                    RuntimeHelpers.PrepareMethod(method.MethodHandle);
                }
                catch (Exception)
                {
                    // Only a head start: a method that cannot be compiled here fails, or not, where the run calls it.
                }
            }
        }
    }
}
