using PruneDsl.Datasets;

namespace PruneDsl.Tests.Data
{
    /// <summary>
    /// The real MNIST for the end-to-end tests, fetched once per test run by <see cref="MnistFetcher"/> into its default
    /// cache (repository data/mnist, or $PRUNEDSL_MNIST_DIR). The fetcher itself is tested in PruneDsl.Datasets.Tests.
    /// </summary>
    public sealed class MnistFixture
    {
        /// <summary>The folder holding the four verified files.</summary>
        public string Directory { get; } = new MnistFetcher().Ensure();
    }

    /// <summary>The tests that share one <see cref="MnistFixture"/>.</summary>
    [CollectionDefinition(Name)]
    public sealed class MnistCollection : ICollectionFixture<MnistFixture>
    {
        public const string Name = "Real MNIST";
    }
}
