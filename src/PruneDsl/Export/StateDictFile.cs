using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using static TorchSharp.torch;

namespace PruneDsl.Export
{
    /// <summary>Reads and writes named tensors as safetensors files (<see cref="SafetensorsFile"/>), with clear errors.</summary>
    internal static class StateDictFile
    {
        /// <summary>
        /// Writes <paramref name="tensors"/> to <paramref name="path"/> (replacing any file there) as CPU, contiguous
        /// copies in the given order. The caller keeps ownership of its tensors.
        /// </summary>
        public static void Write(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors) => SafetensorsFile.Write(path, tensors);

        /// <summary>All tensors of a safetensors file, on the CPU; the caller disposes them.</summary>
        /// <exception cref="FileNotFoundException">The file does not exist.</exception>
        /// <exception cref="InvalidDataException">The file is not a readable safetensors file.</exception>
        public static Dictionary<string, Tensor> Read(string path, string whatFor)
        {
            if (!File.Exists(path))
                throw new FileNotFoundException($"The weights file '{path}' of {whatFor} does not exist. Copy it along with its manifest, or save the model again.", path);
            try
            {
                return SafetensorsFile.Read(path);
            }
            catch (InvalidDataException e)
            {
                throw new InvalidDataException($"Cannot read {whatFor}: {e.Message}", e);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new InvalidDataException($"'{path}' ({whatFor}) is not a readable safetensors file: {e.Message} Save the model again.", e);
            }
        }

        /// <summary>The shape as text, e.g. <c>[40, 784]</c>.</summary>
        public static string Shape(long[] shape) => "[" + string.Join(", ", shape) + "]";

        /// <summary>The safetensors dtype name of a TorchSharp scalar type (what the file header says).</summary>
        public static string DTypeName(ScalarType type) => SafetensorsFile.DTypeName(type);

        /// <summary>The names of a dictionary, sorted, for messages.</summary>
        public static string Names(IEnumerable<string> names)
        {
            var list = names.OrderBy(n => n, StringComparer.Ordinal).ToList();
            return list.Count == 0 ? "(none)" : string.Join(", ", list);
        }
    }
}
