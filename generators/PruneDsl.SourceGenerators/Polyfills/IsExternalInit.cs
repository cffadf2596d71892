// Polyfill so that netstandard2.0 projects (generator, analyzers) can compile records and init-only setters.
#if !NET5_0_OR_GREATER
namespace System.Runtime.CompilerServices
{
    internal static class IsExternalInit { }
}
#endif
