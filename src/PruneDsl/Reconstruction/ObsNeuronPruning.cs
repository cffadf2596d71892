using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PruneDsl.Reconstruction
{
    /// <summary>
    /// Optimal Brain Surgeon for neurons and channels (Hassibi and Stork 1993; docs/references/model-pruning-deep-dive.md,
    /// "Optimal Brain Surgeon"). Removing hidden neuron k of a layer removes input column k of the layer that consumes
    /// it, so with the consumer's layer-wise Hessian <c>H = 2 X X^T / n</c> (of its inputs, with a constant-1 row for the
    /// bias, <see cref="HessianAccumulator.AppendsOnes"/>) the cost of removing a set S of its columns, with the best
    /// update of every other column, is, summed over the consumer's output rows w:
    /// <code>
    /// dL(S) = 1/2 sum_rows w_S^T ([H^-1]_SS)^-1 w_S            (the increase of ||W X - W' X||^2 / n)
    /// dW    = - W_S ([H^-1]_SS)^-1 [H^-1]_{S,:}                (columns S become exactly 0)
    /// </code>
    /// the seed notes' <c>w_q^2 / (2 [H^-1]_qq)</c> and <c>-w_q / [H^-1]_qq H^-1 e_q</c> for a set instead of one weight,
    /// applied to all rows at once (they share H). H^-1 is that of the damped Hessian (<see cref="LayerHessian.Inverse"/>).
    /// </summary>
    /// <remarks>
    /// The bias: inputs are not centred (ReLU outputs have positive means), so a removed neuron also removes its mean
    /// contribution. With the constant-1 column in X the bias is one more column of the consumer (never removed) and the
    /// update above moves that mean into it (least squares with an intercept); without it, the update can only spread it
    /// over the other inputs. The producer's rows and biases of removed neurons are zeroed (their outputs no longer
    /// matter: the consumer's columns are 0), so the model keeps its shapes; compaction removes them physically.
    /// </remarks>
    public static class ObsNeuronPruning
    {
        /// <summary><c>dL(S) = 1/2 sum_rows w_S^T ([H^-1]_SS)^-1 w_S</c>: the error of removing columns S with the OBS update.</summary>
        /// <param name="weight">The consumer's weight <c>[out, k]</c> (with the bias as last column when H has the ones row).</param>
        /// <param name="inverseHessian"><c>[k, k]</c>, the inverse damped Hessian.</param>
        /// <param name="columns">S, distinct column indices.</param>
        public static double Saliency(Tensor weight, Tensor inverseHessian, IReadOnlyList<int> columns)
        {
            CheckShapes(weight, inverseHessian);
            if (columns is null) throw new ArgumentNullException(nameof(columns));
            if (columns.Count == 0) return 0;
            using var scope = NewDisposeScope();
            var (wS, hSS, _) = Parts(weight, inverseHessian, columns);
            var solved = linalg.solve(hSS, wS.t());         // ([H^-1]_SS)^-1 w_S^T, [|S|, out]
            return 0.5 * (wS.t() * solved).sum().item<double>();
        }

        /// <summary>
        /// <c>W + dW</c> with <c>dW = - W_S ([H^-1]_SS)^-1 [H^-1]_{S,:}</c>: the consumer's weight after removing columns S
        /// with the OBS update (a new float64 tensor; columns S exactly 0).
        /// </summary>
        /// <param name="weight">The consumer's weight <c>[out, k]</c>.</param>
        /// <param name="inverseHessian"><c>[k, k]</c>.</param>
        /// <param name="columns">S, distinct column indices.</param>
        public static Tensor RemoveColumns(Tensor weight, Tensor inverseHessian, IReadOnlyList<int> columns)
        {
            CheckShapes(weight, inverseHessian);
            if (columns is null) throw new ArgumentNullException(nameof(columns));
            using var scope = NewDisposeScope();
            var w = weight.detach().to(ScalarType.Float64, CPU).clone();
            if (columns.Count == 0) return w.MoveToOuterDisposeScope();
            var (wS, hSS, index) = Parts(weight, inverseHessian, columns);
            var coefficients = linalg.solve(hSS, wS.t()).t();                     // W_S ([H^-1]_SS)^-1, [out, |S|]
            var hSRows = inverseHessian.to(ScalarType.Float64, CPU).index_select(0, index); // [H^-1]_{S,:}
            w.sub_(coefficients.matmul(hSRows));
            w.index_fill_(1, index, 0.0);
            return w.MoveToOuterDisposeScope();
        }

        /// <summary>
        /// Removes <paramref name="count"/> columns greedily, one at a time: each step removes the candidate column q with
        /// the smallest <c>dL({q}) = sum_rows w_q^2 / (2 [H^-1]_qq)</c> under the current weights, applies its OBS update,
        /// and downdates H^-1 to the remaining columns (<c>H^-1 -= [H^-1]_{:,q} [H^-1]_{q,:} / [H^-1]_qq</c>). Sequential
        /// exact OBS removals end at the same weights as removing the whole set at once (<see cref="RemoveColumns"/>);
        /// only the choice is greedy. Ties go to the lower index.
        /// </summary>
        /// <param name="weight">The consumer's weight <c>[out, k]</c>.</param>
        /// <param name="inverseHessian"><c>[k, k]</c>.</param>
        /// <param name="count">Columns to remove.</param>
        /// <param name="candidates">Columns that may be removed (e.g. every input but the bias column).</param>
        /// <returns>The removed columns in removal order, each step's <c>dL</c>, and the updated weight (float64).</returns>
        public static (IReadOnlyList<int> Removed, IReadOnlyList<double> Saliencies, Tensor Weight) RemoveGreedy(
            Tensor weight, Tensor inverseHessian, int count, IReadOnlyCollection<int> candidates)
        {
            CheckShapes(weight, inverseHessian);
            var k = (int)weight.shape[1];
            var allowed = Candidates(k, candidates, count, "remove");
            using var scope = NewDisposeScope();
            var w = weight.detach().to(ScalarType.Float64, CPU).clone();
            var hinv = inverseHessian.detach().to(ScalarType.Float64, CPU).clone();
            var removed = new List<int>(count);
            var saliencies = new List<double>(count);
            for (var step = 0; step < count; step++)
            {
                using var stepScope = NewDisposeScope();
                var scores = (w.square().sum(dim: 0) / (2 * hinv.diagonal())).data<double>().ToArray();
                int q = -1;
                for (var c = 0; c < k; c++)
                    if (allowed[c] && (q < 0 || scores[c] < scores[q])) q = c;
                allowed[q] = false;
                removed.Add(q);
                saliencies.Add(scores[q]);
                var pivot = hinv[q, q].item<double>();
                var hRow = hinv[q].clone();                         // [H^-1]_{q,:}
                w.sub_(outer(w[.., q] / pivot, hRow));
                hinv.sub_(outer(hinv[.., q], hRow) / pivot);
                w[.., q] = zeros(w.shape[0], dtype: ScalarType.Float64);
            }
            return (removed, saliencies, w.MoveToOuterDisposeScope());
        }

        /// <summary>
        /// Chooses which columns to keep by growing the kept set greedily: each step adds the candidate that lowers the
        /// remaining error <c>dL(S)</c> of the removed set S (everything not kept) the most, starting from
        /// <paramref name="alwaysKept"/> (e.g. the bias column). The same objective as <see cref="RemoveGreedy"/>, approached
        /// from the other end: with <c>G = W H</c>, <c>dL(S) = 1/2 sum_rows (w^T H w - G_K H_KK^-1 G_K^T)</c> over the kept
        /// set K, and adding column j gains <c>1/2 sum_rows r_j^2 / h_jj</c> where r and h are G and H with the kept columns
        /// projected out (one Gram-Schmidt step in the H inner product per added column). When few columns are kept this
        /// avoids the many early decisions of removal-first greedy. Ties go to the lower index.
        /// </summary>
        /// <param name="weight">The consumer's weight <c>[out, k]</c>.</param>
        /// <param name="hessian">The damped Hessian <c>[k, k]</c> (<see cref="LayerHessian.Damped"/>).</param>
        /// <param name="keep">Candidate columns to keep.</param>
        /// <param name="candidates">Columns that may be kept or removed.</param>
        /// <param name="alwaysKept">Columns kept regardless (not candidates).</param>
        /// <returns>The kept candidates in the order they were added.</returns>
        public static IReadOnlyList<int> KeepGreedy(Tensor weight, Tensor hessian, int keep, IReadOnlyCollection<int> candidates, IReadOnlyCollection<int> alwaysKept)
        {
            CheckShapes(weight, hessian);
            if (alwaysKept is null) throw new ArgumentNullException(nameof(alwaysKept));
            var k = (int)weight.shape[1];
            var allowed = Candidates(k, candidates, keep, "keep");
            using var scope = NewDisposeScope();
            var h = hessian.detach().to(ScalarType.Float64, CPU).clone();
            var g = weight.detach().to(ScalarType.Float64, CPU).matmul(h);
            void Project(int j)
            {
                using var stepScope = NewDisposeScope();
                var pivot = h[j, j].item<double>();
                var hRow = h[j].clone();
                g.sub_(outer(g[.., j] / pivot, hRow));
                h.sub_(outer(h[.., j], hRow) / pivot);
            }
            foreach (var c in alwaysKept)
            {
                if (allowed[c]) throw new ArgumentException($"Column {c} is both a candidate and always kept.", nameof(alwaysKept));
                Project(c);
            }
            var kept = new List<int>(keep);
            for (var step = 0; step < keep; step++)
            {
                double[] gains;
                using (var stepScope = NewDisposeScope())
                    gains = (g.square().sum(dim: 0) / (2 * h.diagonal())).data<double>().ToArray();
                int best = -1;
                for (var c = 0; c < k; c++)
                    if (allowed[c] && (best < 0 || gains[c] > gains[best])) best = c;
                allowed[best] = false;
                kept.Add(best);
                Project(best);
            }
            return kept;
        }

        /// <summary>
        /// Removes <paramref name="keep"/>'s complement of the producer's output neurons, chosen greedily by OBS saliency
        /// under the consumer's Hessian (<see cref="RemoveGreedy"/>), and compensates the consumer in place.
        /// </summary>
        /// <param name="producer">The layer whose output neurons are removed.</param>
        /// <param name="consumer">The layer that takes the producer's outputs (through an activation) as inputs.</param>
        /// <param name="consumerHessian">
        /// The consumer's undamped input Hessian, <c>[k + 1, k + 1]</c> with the ones row when it has a bias
        /// (<c>new HessianAccumulator(k, appendOnes: true)</c>), else <c>[k, k]</c>.
        /// </param>
        /// <param name="keep">Neurons to keep, 1 .. out_features.</param>
        /// <param name="dampening">d of <see cref="LayerHessian"/>.</param>
        /// <param name="producerName">The producer, for messages.</param>
        /// <param name="calibrationRows">Rows behind the Hessian, for the message when it is singular.</param>
        public static NeuronRemoval RemoveByObs(Linear producer, Linear consumer, Tensor consumerHessian, int keep, double dampening = 0.01,
            string producerName = "layer", long calibrationRows = 0)
        {
            var k = CheckPair(producer, consumer, consumerHessian, producerName);
            if (keep < 1 || keep > k) throw new ArgumentOutOfRangeException(nameof(keep), keep, $"Layer '{producerName}': keep must lie in [1, {k}].");
            using var scope = NewDisposeScope();
            var inverse = LayerHessian.Inverse(consumerHessian, dampening, producerName + " -> consumer", calibrationRows);
            var (removed, saliencies, updated) = RemoveGreedy(Augmented(consumer), inverse, k - keep, Enumerable.Range(0, k).ToList());
            Apply(producer, consumer, removed, updated);
            return new NeuronRemoval(producerName, k, removed, saliencies.Sum(), true);
        }

        /// <summary>
        /// Removes the given output neurons of the producer and, with <paramref name="compensate"/>, updates the consumer's
        /// remaining columns (and bias) with the closed form <see cref="RemoveColumns"/>; without, only zeroes them (plain
        /// removal). Works in place.
        /// </summary>
        /// <param name="producer">The layer whose output neurons are removed.</param>
        /// <param name="consumer">The layer that consumes them.</param>
        /// <param name="consumerHessian">As for <see cref="RemoveByObs"/>.</param>
        /// <param name="remove">The neurons to remove (e.g. those a criterion scored lowest).</param>
        /// <param name="compensate">Apply the OBS update (true) or just remove (false).</param>
        /// <param name="dampening">d of <see cref="LayerHessian"/>.</param>
        /// <param name="producerName">The producer, for messages.</param>
        /// <param name="calibrationRows">Rows behind the Hessian, for the message when it is singular.</param>
        public static NeuronRemoval Remove(Linear producer, Linear consumer, Tensor consumerHessian, IReadOnlyList<int> remove, bool compensate,
            double dampening = 0.01, string producerName = "layer", long calibrationRows = 0)
        {
            var k = CheckPair(producer, consumer, consumerHessian, producerName);
            if (remove is null) throw new ArgumentNullException(nameof(remove));
            if (remove.Distinct().Count() != remove.Count || remove.Any(i => i < 0 || i >= k) || remove.Count >= k)
                throw new ArgumentException($"Layer '{producerName}': the neurons to remove must be distinct indices in [0, {k}), leaving at least one.", nameof(remove));
            using var scope = NewDisposeScope();
            var inverse = LayerHessian.Inverse(consumerHessian, dampening, producerName + " -> consumer", calibrationRows);
            var augmented = Augmented(consumer);
            double error;
            Tensor updated;
            if (compensate)
            {
                error = Saliency(augmented, inverse, remove);
                updated = RemoveColumns(augmented, inverse, remove);
            }
            else
            {
                // Plain removal: the error is the removed columns' own contribution, 1/2 sum_rows w_S^T H_SS w_S (undamped H).
                var (wS, hSS, index) = Parts(augmented, consumerHessian, remove);
                error = 0.5 * (wS.matmul(hSS) * wS).sum().item<double>();
                updated = augmented.index_fill(1, index, 0.0);
            }
            Apply(producer, consumer, remove, updated);
            return new NeuronRemoval(producerName, k, remove.ToList(), error, compensate);
        }

        /// <summary>Marks the candidate columns, checking them and that <paramref name="count"/> of them can be chosen.</summary>
        private static bool[] Candidates(int k, IReadOnlyCollection<int> candidates, int count, string verb)
        {
            if (candidates is null) throw new ArgumentNullException(nameof(candidates));
            var allowed = new bool[k];
            foreach (var c in candidates)
            {
                if (c < 0 || c >= k) throw new ArgumentOutOfRangeException(nameof(candidates), c, $"Candidate columns must lie in [0, {k}).");
                allowed[c] = true;
            }
            var available = allowed.Count(a => a);
            if (count < 0 || count > available)
                throw new ArgumentOutOfRangeException(nameof(count), count, $"Cannot {verb} {count} of {available} candidate columns.");
            return allowed;
        }

        /// <summary>The consumer's <c>[W | b]</c> in float64 (just W without a bias).</summary>
        private static Tensor Augmented(Linear consumer)
        {
            var w = consumer.weight!.detach().to(ScalarType.Float64, CPU);
            return consumer.bias is null ? w.clone() : cat(new[] { w, consumer.bias.detach().to(ScalarType.Float64, CPU).unsqueeze(1) }, 1);
        }

        private static void Apply(Linear producer, Linear consumer, IReadOnlyList<int> removed, Tensor updated)
        {
            using var _ = no_grad();
            using var scope = NewDisposeScope();
            var k = consumer.weight!.shape[1];
            var weight = consumer.weight!;
            weight.copy_(updated.narrow(1, 0, k).to(weight.dtype, weight.device));
            if (consumer.bias is { } bias) bias.copy_(updated[.., k].to(bias.dtype, bias.device));
            if (removed.Count == 0) return;
            var index = tensor(removed.Select(i => (long)i).ToArray(), device: producer.weight!.device);
            weight.index_fill_(1, index.to(weight.device), 0.0);
            producer.weight!.index_fill_(0, index, 0.0);
            producer.bias?.index_fill_(0, index.to(producer.bias.device), 0.0);
        }

        private static int CheckPair(Linear producer, Linear consumer, Tensor consumerHessian, string producerName)
        {
            if (producer is null) throw new ArgumentNullException(nameof(producer));
            if (consumer is null) throw new ArgumentNullException(nameof(consumer));
            if (consumerHessian is null) throw new ArgumentNullException(nameof(consumerHessian));
            var k = producer.weight!.shape[0];
            if (consumer.weight!.shape[1] != k)
                throw new ArgumentException(
                    $"Layer '{producerName}' has {k} outputs but its consumer has {consumer.weight.shape[1]} inputs; pass the layer that consumes '{producerName}'.", nameof(consumer));
            var size = k + (consumer.bias is null ? 0 : 1);
            if (consumerHessian.dim() != 2 || consumerHessian.shape[0] != size || consumerHessian.shape[1] != size)
                throw new ArgumentException(
                    $"Layer '{producerName}': the consumer's Hessian must be [{size}, {size}]" + (consumer.bias is null ? "" : " (its inputs with a constant 1 appended for the bias: HessianAccumulator(appendOnes: true))") +
                    $", got [{string.Join(", ", consumerHessian.shape)}].", nameof(consumerHessian));
            return checked((int)k);
        }

        private static (Tensor WS, Tensor HSS, Tensor Index) Parts(Tensor weight, Tensor inverseHessian, IReadOnlyList<int> columns)
        {
            var k = weight.shape[1];
            if (columns.Distinct().Count() != columns.Count || columns.Any(c => c < 0 || c >= k))
                throw new ArgumentException($"The columns to remove must be distinct indices in [0, {k}).", nameof(columns));
            var index = tensor(columns.Select(c => (long)c).ToArray());
            var wS = weight.detach().to(ScalarType.Float64, CPU).index_select(1, index);
            var hSS = inverseHessian.detach().to(ScalarType.Float64, CPU).index_select(0, index).index_select(1, index);
            return (wS, hSS, index);
        }

        private static void CheckShapes(Tensor weight, Tensor inverseHessian)
        {
            if (weight is null) throw new ArgumentNullException(nameof(weight));
            if (inverseHessian is null) throw new ArgumentNullException(nameof(inverseHessian));
            if (weight.dim() != 2 || inverseHessian.dim() != 2 || inverseHessian.shape[0] != weight.shape[1] || inverseHessian.shape[1] != weight.shape[1])
                throw new ArgumentException(
                    $"The weight [{string.Join(", ", weight.shape)}] and the inverse Hessian [{string.Join(", ", inverseHessian.shape)}] do not fit: it must be [in, in].");
        }
    }

    /// <summary>What <see cref="ObsNeuronPruning"/> removed from one layer.</summary>
    /// <param name="Layer">The producer layer.</param>
    /// <param name="Before">Its output neurons before.</param>
    /// <param name="Removed">The removed neurons (for the greedy choice, in removal order).</param>
    /// <param name="Error">
    /// The increase of the consumer's <c>||W X - W' X||^2 / n</c> on the calibration rows: with compensation the OBS
    /// <c>dL(S)</c> (damped Hessian), for plain removal <c>1/2 sum_rows w_S^T H_SS w_S</c> (undamped).
    /// </param>
    /// <param name="Compensated">Whether the consumer got the OBS update.</param>
    public sealed record NeuronRemoval(string Layer, int Before, IReadOnlyList<int> Removed, double Error, bool Compensated)
    {
        /// <summary>Neurons kept.</summary>
        public int After => Before - Removed.Count;

        /// <summary>The kept neurons, ascending.</summary>
        public IReadOnlyList<int> Kept => Enumerable.Range(0, Before).Except(Removed).ToList();
    }
}
