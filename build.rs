//! Embeds `templates/**/*.j2` in the binary; minijinja-embed fails the build on a syntax error.

fn main() {
    minijinja_embed::embed_templates!("templates", &[".j2"]);
}
