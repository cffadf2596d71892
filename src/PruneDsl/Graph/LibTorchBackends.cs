using System;
using System.Runtime.InteropServices;

namespace PruneDsl.Graph
{
    /// <summary>
    /// libtorch's global backend switches that TorchSharp 0.107 does not expose. The one PruneDsl needs:
    /// <see cref="MkldnnEnabled"/>. With TorchSharp 0.107 / libtorch 2.10 on the CPU, oneDNN's (MKL-DNN's) convolution
    /// backward for some shapes (for example 20 -> 50 channels, 5x5, no padding: LeNet-5's second convolution) reads
    /// memory it did not initialize when computing the gradient of the convolution's input; finite garbage is multiplied
    /// by 0 and does no harm, but memory that last held NaN or infinite bit patterns (int64 or bool tensors, an earlier
    /// NaN) turns the gradient into NaN at random, and a training run dies. libtorch's own convolution (oneDNN off)
    /// computes the same gradients exactly. Train convolutional models with <c>LibTorchBackends.MkldnnEnabled = false</c>;
    /// inference (forward only) is not affected.
    /// </summary>
    public static class LibTorchBackends
    {
        private const string Library = "libtorch_cpu.so";

        [DllImport(Library, EntryPoint = "_ZN2at13globalContextEv")]
        private static extern IntPtr GlobalContext();

        [DllImport(Library, EntryPoint = "_ZN2at7Context20setUserEnabledMkldnnEb")]
        private static extern void SetUserEnabledMkldnn(IntPtr context, [MarshalAs(UnmanagedType.I1)] bool enabled);

        [DllImport(Library, EntryPoint = "_ZNK2at7Context17userEnabledMkldnnEv")]
        [return: MarshalAs(UnmanagedType.I1)]
        private static extern bool UserEnabledMkldnn(IntPtr context);

        /// <summary>
        /// Whether libtorch may use oneDNN (MKL-DNN) kernels (PyTorch's <c>torch.backends.mkldnn.enabled</c>). Linux x64
        /// only (the switch is read through libtorch's C++ API, whose symbol names are the Itanium ABI's); elsewhere the
        /// getter and setter throw <see cref="PlatformNotSupportedException"/>. Load TorchSharp (create any tensor) first.
        /// </summary>
        public static bool MkldnnEnabled
        {
            get => Read(UserEnabledMkldnn);
            set => Write(SetUserEnabledMkldnn, value);
        }

        [DllImport(Library, EntryPoint = "_ZN2at7Context20setUserEnabledNNPACKEb")]
        private static extern void SetUserEnabledNnpack(IntPtr context, [MarshalAs(UnmanagedType.I1)] bool enabled);

        [DllImport(Library, EntryPoint = "_ZNK2at7Context17userEnabledNNPACKEv")]
        [return: MarshalAs(UnmanagedType.I1)]
        private static extern bool UserEnabledNnpack(IntPtr context);

        /// <summary>
        /// Whether libtorch may try NNPACK convolutions (PyTorch's <c>torch.backends.nnpack.enabled</c>). On a CPU NNPACK does
        /// not support, libtorch tries it for every convolution it would hand it (with oneDNN off: most of them), fails, prints
        /// "Could not initialize NNPACK! Reason: Unsupported hardware." and falls back; switching it off saves the attempt and
        /// the lines. Linux x64 only, as <see cref="MkldnnEnabled"/>.
        /// </summary>
        public static bool NnpackEnabled
        {
            get => Read(UserEnabledNnpack);
            set => Write(SetUserEnabledNnpack, value);
        }

        private static bool Read(Func<IntPtr, bool> switchOf)
        {
            EnsurePlatform();
            return switchOf(GlobalContext());
        }

        private static void Write(Action<IntPtr, bool> setSwitch, bool value)
        {
            EnsurePlatform();
            setSwitch(GlobalContext(), value);
        }

        private static void EnsurePlatform()
        {
            if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
                throw new PlatformNotSupportedException(
                    "LibTorchBackends reads libtorch's switches through its Linux x64 C++ symbols; on this platform use the libtorch defaults.");
            // TorchSharp loads libtorch_cpu.so on first use; make sure it has, so that the DllImport resolves to that copy.
            TorchSharp.torch.InitializeDeviceType(TorchSharp.DeviceType.CPU);
        }
    }
}
