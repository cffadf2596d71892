namespace PruneDsl.Spec
{
    /// <summary>Severity of a PruneDsl diagnostic, mirroring Roslyn's DiagnosticSeverity without depending on Roslyn.</summary>
    public enum DiagnosticLevel
    {
        /// <summary>Shown as a suggestion.</summary>
        Info = 1,

        /// <summary>A warning: the code compiles but the setting will not do what it says.</summary>
        Warning = 2,

        /// <summary>An error: generation or the setting cannot work.</summary>
        Error = 3,
    }

    /// <summary>
    /// What one diagnostic says: id, title, message format (with {0}.. placeholders), category and level. The generator and
    /// the analyzers build their Roslyn descriptors from these entries; the help link is <see cref="HelpLink"/>.
    /// </summary>
    /// <param name="Id">PDxxxx.</param>
    /// <param name="Title">Short title.</param>
    /// <param name="MessageFormat">Message with composite-format placeholders.</param>
    /// <param name="Category">Roslyn category.</param>
    /// <param name="Level">Default severity.</param>
    public sealed record DiagnosticEntry(string Id, string Title, string MessageFormat, string Category, DiagnosticLevel Level)
    {
        /// <summary>The page that explains the diagnostic, its derivation and its fix.</summary>
        public string HelpLink => DiagnosticCatalog.HelpRoot + Id + ".md";
    }

    /// <summary>
    /// Every PruneDsl diagnostic, one entry each. PD0001-PD0009 are reported by the source generator (misuse that stops
    /// generation); PD0010 and up by the analyzers. docs/diagnostics/ has one page per id.
    /// </summary>
    public static partial class DiagnosticCatalog
    {
        /// <summary>Where the diagnostic pages live.</summary>
        public const string HelpRoot = "https://github.com/prunedsl/prunedsl/blob/main/docs/diagnostics/";

        /// <summary>PD0001: a class with PruneDsl attributes is not partial.</summary>
        public static readonly DiagnosticEntry ClassNotPartial = new(
            "PD0001", "Model class must be partial",
            "'{0}' has PruneDsl attributes but is not declared partial, so no pruning code can be generated for it; add the 'partial' modifier",
            "PruneDsl.Generation", DiagnosticLevel.Error);

        /// <summary>PD0002: a group attribute on a member whose type is not supported.</summary>
        public static readonly DiagnosticEntry UnsupportedMemberType = new(
            "PD0002", "PruneDsl attribute on an unsupported member",
            "[{0}] is on '{1}' of type '{2}', but only fields of type TorchSharp.Modules.Linear are supported",
            "PruneDsl.Generation", DiagnosticLevel.Error);

        /// <summary>PD0003: attributes on a class that is not a TorchSharp module.</summary>
        public static readonly DiagnosticEntry NotAModule = new(
            "PD0003", "Model class must derive from a TorchSharp module",
            "'{0}' has PruneDsl attributes but does not derive from TorchSharp.torch.nn.Module, so it has no parameters to prune",
            "PruneDsl.Generation", DiagnosticLevel.Error);

        /// <summary>PD0004: the class declares RegisterComponents itself, which the generated code overrides.</summary>
        public static readonly DiagnosticEntry RegisterComponentsConflict = new(
            "PD0004", "RegisterComponents is generated",
            "'{0}' overrides RegisterComponents(), which the generated code overrides to attach the participation gates; remove the override and do its work in the constructor",
            "PruneDsl.Generation", DiagnosticLevel.Error);

        /// <summary>PD0005: nested or generic model classes are not supported.</summary>
        public static readonly DiagnosticEntry UnsupportedClassShape = new(
            "PD0005", "Model class shape not supported",
            "'{0}' is {1}; PruneDsl generates code only for top-level, non-generic classes: move the model to the namespace level",
            "PruneDsl.Generation", DiagnosticLevel.Error);

        /// <summary>PD0006: the user's forward cannot be copied into a standalone inference module.</summary>
        public static readonly DiagnosticEntry NoInferenceModule = new(
            "PD0006", "No inference module generated",
            "No inference module is generated for '{0}' because {1}; training, pruning and compaction are unaffected. An inference module copies forward(), so forward may use only the model's Linear fields and static members.",
            "PruneDsl.Generation", DiagnosticLevel.Info);
    }
}
