using System;
using System.Composition;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using PruneDsl.SourceGenerators.Diagnostics;

namespace PruneDsl.CodeFixers
{
    /// <summary>PD0023: <c>fc1.forward(x)</c> -&gt; <c>fc1.call(x)</c>, so that the participation gate (a forward hook) runs.</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(UseCallCodeFix)), Shared]
    public sealed class UseCallCodeFix : SyntaxCodeFix
    {
        /// <summary>Fixes PD0023.</summary>
        public UseCallCodeFix() : base(DiagnosticDescriptors.GateBypassed) { }

        /// <inheritdoc />
        protected override (string Title, Func<SyntaxNode> NewRoot)? Fix(SyntaxNode root, Diagnostic diagnostic)
        {
            if (root.FindNode(diagnostic.Location.SourceSpan) is not SimpleNameSyntax name || name.Identifier.ValueText != "forward") return null;
            var call = SyntaxFactory.IdentifierName("call").WithTriviaFrom(name);
            return ("Use call() so that the participation gate runs", () => root.ReplaceNode(name, call));
        }
    }
}
