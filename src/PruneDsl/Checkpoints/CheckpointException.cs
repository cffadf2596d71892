using System;
using System.IO;

namespace PruneDsl.Checkpoints
{
    /// <summary>
    /// A checkpoint that cannot be resumed from: truncated, corrupt (its checksum does not match), of another format
    /// version, or saved from another model (class, tensor names, shapes) or under other settings that change the
    /// computation. The message names the file and the mismatch. Nothing was loaded: every check runs before any tensor
    /// of the model or the optimizer is touched.
    /// </summary>
    public sealed class CheckpointException : IOException
    {
        /// <summary>Creates the exception.</summary>
        /// <param name="path">The checkpoint file.</param>
        /// <param name="problem">What is wrong with it, and what to do.</param>
        /// <param name="inner">The error that revealed it, or null.</param>
        public CheckpointException(string path, string problem, Exception? inner = null)
            : base($"Checkpoint '{path}' cannot be resumed from: {problem}", inner)
        {
            Path = path;
            Problem = problem;
        }

        /// <summary>The checkpoint file.</summary>
        public string Path { get; }

        /// <summary>What is wrong with it (the message without the file).</summary>
        public string Problem { get; }
    }
}
