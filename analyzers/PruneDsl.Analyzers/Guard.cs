using System;

namespace PruneDsl.Analyzers
{
    /// <summary>
    /// The analyzers never throw: an unexpected exception in a callback (a shape of code not foreseen) drops that
    /// callback's diagnostics instead of surfacing as AD0001 in the user's build. Cancellation still propagates.
    /// </summary>
    internal static class Guard
    {
        public static Action<T> Wrap<T>(Action<T> action) => context =>
        {
            try
            {
                action(context);
            }
            catch (OperationCanceledException)
            {
                throw;
            }
            catch (Exception)
            {
                // Deliberately silent: a missing diagnostic is better than a broken build or IDE.
            }
        };
    }
}
