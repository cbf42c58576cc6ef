use anyhow::Result;

use crate::cli::KeygenArgs;
use crate::keys;

pub fn run(a: KeygenArgs, quiet: bool) -> Result<()> {
    let public = keys::write_new_pair(&a.out, !a.unencrypted, a.force)?;
    let (key_path, pub_path) = keys::pair_paths(&a.out);
    super::status(
        quiet,
        "Generated",
        format!("`{}` and `{}`", key_path.display(), pub_path.display()),
    );
    // The public key on stdout, alone, so scripts can capture it.
    println!("{public}");
    Ok(())
}
