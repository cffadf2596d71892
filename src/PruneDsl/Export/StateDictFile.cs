using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace PruneDsl.Export
{
    /// <summary>Reads and writes named tensors as safetensors files (through TorchSharp.PyBridge), with clear errors.</summary>
    internal static class StateDictFile
    {
        /// <summary>
        /// Writes <paramref name="tensors"/> to <paramref name="path"/> (replacing any file there) as CPU, contiguous
        /// copies in the given order. The caller keeps ownership of its tensors.
        /// </summary>
        public static void Write(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors)
        {
            using var scope = NewDisposeScope();
            var copies = new Dictionary<string, Tensor>();
            foreach (var (name, tensor) in tensors)
            {
                if (copies.ContainsKey(name))
                    throw new ArgumentException($"Two tensors are named '{name}' for '{path}'; tensor names must be unique.", nameof(tensors));
                copies.Add(name, tensor.detach().cpu().contiguous().clone());
            }
            // PyBridge opens the file without truncating it: remove an older, longer file first.
            if (File.Exists(path)) File.Delete(path);
            Safetensors.SaveStateDict(path, copies);
        }

        /// <summary>All tensors of a safetensors file, on the CPU; the caller disposes them.</summary>
        /// <exception cref="FileNotFoundException">The file does not exist.</exception>
        /// <exception cref="InvalidDataException">The file is not a readable safetensors file.</exception>
        public static Dictionary<string, Tensor> Read(string path, string whatFor)
        {
            if (!File.Exists(path))
                throw new FileNotFoundException($"The weights file '{path}' of {whatFor} does not exist. Copy it along with its manifest, or save the model again.", path);
            try
            {
                return Safetensors.LoadStateDict(path);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                throw new InvalidDataException(
                    $"'{path}' ({whatFor}) is not a readable safetensors file: {e.GetType().Name}: {e.Message} " +
                    "The file is truncated, corrupt or of another format; save the model again.", e);
            }
        }

        /// <summary>The shape as text, e.g. <c>[40, 784]</c>.</summary>
        public static string Shape(long[] shape) => "[" + string.Join(", ", shape) + "]";

        /// <summary>The safetensors dtype name of a TorchSharp scalar type (what the file header says).</summary>
        public static string DTypeName(ScalarType type) => type switch
        {
            ScalarType.Float64 => "F64",
            ScalarType.Float32 => "F32",
            ScalarType.Float16 => "F16",
            ScalarType.BFloat16 => "BF16",
            ScalarType.Int64 => "I64",
            ScalarType.Int32 => "I32",
            ScalarType.Int16 => "I16",
            ScalarType.Int8 => "I8",
            ScalarType.Byte => "U8",
            ScalarType.Bool => "BOOL",
            _ => throw new NotSupportedException($"Tensors of type {type} cannot be written to safetensors by TorchSharp.PyBridge; convert them to float32 first."),
        };

        /// <summary>The names of a dictionary, sorted, for messages.</summary>
        public static string Names(IEnumerable<string> names)
        {
            var list = names.OrderBy(n => n, StringComparer.Ordinal).ToList();
            return list.Count == 0 ? "(none)" : string.Join(", ", list);
        }
    }
}
