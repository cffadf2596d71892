using System;

namespace PruneDsl.SourceGenerators.Analyzers
{
    /// <summary>
    /// The analyzers never throw: an unexpected exception in a callback (a shape of code not foreseen) drops that
    /// callback's diagnostics instead of surfacing as AD0001 in the user's build. Cancellation still propagates.
    /// </summary>
    internal static class Guard
    {
        /// <summary>Tests set this to see the exceptions that were swallowed (null in production: nothing is kept).</summary>
        internal static Action<Exception>? Observer { get; set; }

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
            catch (Exception exception)
            {
                // Deliberately no rethrow: a missing diagnostic is better than a broken build or IDE.
                Observer?.Invoke(exception);
            }
        };
    }
}
