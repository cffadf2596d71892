using System.Linq;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PruneDsl.Tests.Scoring
{
    /// <summary>Small hand-made layers with known values.</summary>
    internal static class ScoringTestLayers
    {
        /// <summary>
        /// A 4 -> 3 Linear layer:
        /// row 0 = (1, -2, 0, 3), bias 1; row 1 = (0.5, 0.5, -0.5, 0.5), bias -2; row 2 = 0, bias 0.
        /// </summary>
        public static Linear Make()
        {
            var layer = nn.Linear(4, 3, dtype: ScalarType.Float32);
            Set(layer,
                new float[] { 1, -2, 0, 3, 0.5f, 0.5f, -0.5f, 0.5f, 0, 0, 0, 0 },
                new float[] { 1, -2, 0 });
            return layer;
        }

        public static void Set(Linear layer, float[] weight, float[] bias)
        {
            using var _ = no_grad();
            using var w = tensor(weight).reshape(layer.weight!.shape);
            using var b = tensor(bias);
            layer.weight!.copy_(w);
            layer.bias!.copy_(b);
        }

        /// <summary>Leaves exactly <paramref name="gradW"/> and <paramref name="gradB"/> as the layer's gradients.</summary>
        public static void SetGradients(Linear layer, float[] gradW, float[] gradB)
        {
            layer.zero_grad();
            using var gw = tensor(gradW).reshape(layer.weight!.shape);
            using var gb = tensor(gradB);
            using var loss = (layer.weight! * gw).sum() + (layer.bias! * gb).sum();
            loss.backward();
        }

        public static double[] Values(Tensor t) => t.to(ScalarType.Float64).cpu().data<double>().ToArray();

        public static float[] Weight(Linear layer) => layer.weight!.detach().cpu().data<float>().ToArray();

        public static float[] Bias(Linear layer) => layer.bias!.detach().cpu().data<float>().ToArray();
    }
}
